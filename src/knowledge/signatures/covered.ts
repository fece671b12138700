/**
 * The five entities NDAA §889(f)(3) names (docs/regulations.md §1.1). Only `camsweep verify` uses this,
 * to prove that the generic corpus of non-camera banners never yields one of them or a
 * company they own or owned; coverage decisions themselves belong to signatures/rules.
 */
import { owners, type Vocabulary } from './vocabulary.js';

export const NAMED_ENTITIES: readonly string[] = ['hikvision', 'dahua', 'huawei', 'zte', 'hytera'];

/**
 * True when `id` is a named entity or is owned by one now (parent chain only). Former owners
 * (Honor, divested by Huawei; Lorex, sold by Dahua) are for the rules to weigh by date.
 */
export function inCoveredGroup(vocab: Vocabulary, id: string): boolean {
  return [id, ...owners(vocab, id, { former: false })].some((m) => NAMED_ENTITIES.includes(m));
}
