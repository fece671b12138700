/**
 * From an identity to the entities that produced or sold it, each with how (named maker,
 * subsidiary, then-subsidiary, OEM) and how firmly. Rules then decide which links they reach.
 *
 * Judgement calls, documented in signatures/rules/README.md ("How a device is judged"):
 * - The identity's `manufacturer` is the producer as read from device evidence; a badge
 *   (`brand`) is not evidence (docs/regulations.md §2 "Practical point"), so a link that rests only on a
 *   model-specific brand relation is never firm: it makes a device suspect, not covered.
 * - A former owner (Lorex → Dahua 2018-02…2023-12; Honor → Huawei …2020-11) counts when the
 *   scan itself falls inside the ownership, or when the firmware's build date does. Otherwise
 *   the former relation is reported in words but links nothing.
 */
import type { Identity } from '../../contract/types.js';
import { endOf, firmwareBuildDate, startOf } from './dates.js';
import type { LinkVia } from './model.js';
import { type BrandMaker, type Ownership, ownersOf, type Vocabulary } from './vocabulary.js';

export interface Link {
  /** Manufacturer id a rule has to name (or whose country it names). */
  readonly entity: string;
  readonly via: LinkVia;
  /** false when only a model-specific badge or a contradicted badge supports it. */
  readonly firm: boolean;
  readonly basis: string;
  /** Why the link is not firm, for the finding's "unconfirmed:" part. */
  readonly doubt?: string;
}

export interface Links {
  readonly links: readonly Link[];
  /** Facts a person should see even though they link nothing (a relation that ended). */
  readonly notes: readonly string[];
}

const span = (o: { from: string | null; until: string | null }) => `${o.from ?? '…'} to ${o.until ?? 'now'}`;

function within(date: Date, o: { from: string | null; until: string | null }): boolean {
  return (o.from === null || date >= startOf(o.from)) && (o.until === null || date < endOf(o.until));
}

class LinkSet {
  private readonly byKey = new Map<string, Link>();
  readonly notes: string[] = [];
  /** Former owners already judged: a Lorex unit is judged once, whether read as maker or badge. */
  readonly judged = new Map<string, string | null>();

  add(link: Link): void {
    const key = `${link.entity}/${link.via}`;
    const old = this.byKey.get(key);
    if (!old || (link.firm && !old.firm)) this.byKey.set(key, link);
  }

  /** The entity and every owner above it, the owners as subsidiaries of the chain's top. */
  addWithOwners(
    vocab: Vocabulary,
    entity: string,
    via: LinkVia,
    firm: boolean,
    basis: string,
    doubt?: string,
  ): void {
    const weak = firm
      ? {}
      : { doubt: doubt ?? 'the link rests on the badge, not on the maker identified from the device' };
    this.add({ entity, via, firm, basis, ...weak });
    const owners = ownersOf(vocab, entity);
    owners.forEach((owner, i) => {
      const subVia: LinkVia = via === 'named' ? 'subsidiary' : via;
      const through = i > 0 ? ` (through ${owners.slice(0, i).join(', ')})` : '';
      this.add({
        entity: owner,
        via: subVia,
        firm,
        basis: `${basis}; ${entity} is a subsidiary of ${owner}${through}`,
        ...weak,
      });
    });
  }

  get all(): Link[] {
    return [...this.byKey.values()];
  }
}

/**
 * Whether a former ownership reaches this device: the scan date inside the ownership, or else
 * the firmware build date inside it. Returns the words for the basis, or null plus a note.
 */
function judgeFormer(
  subject: string,
  owner: Ownership,
  role: string,
  identity: Identity,
  at: Date,
  set: LinkSet,
): string | null {
  const key = `${owner.id}/${role}`;
  const seen = set.judged.get(key);
  if (seen !== undefined) return seen;
  const verdict = judgeOwnership(`${subject} was ${role} (${span(owner)})`, owner, identity, at, set);
  set.judged.set(key, verdict);
  return verdict;
}

function judgeOwnership(
  was: string,
  owner: Ownership,
  identity: Identity,
  at: Date,
  set: LinkSet,
): string | null {
  if (within(at, owner)) return `${was}, including on the scan date`;
  const built = firmwareBuildDate(identity.firmware, at);
  if (built && within(startOf(built), owner)) {
    return `${was} and the firmware was built ${built}, inside that period (the build date dates the firmware, not the unit)`;
  }
  set.notes.push(
    built
      ? `${was}; the firmware build date ${built} falls outside that period`
      : `${was}; no firmware build date places this unit inside that period`,
  );
  return null;
}

function addBrandMaker(
  vocab: Vocabulary,
  identity: Identity,
  badge: string,
  maker: BrandMaker,
  at: Date,
  set: LinkSet,
): void {
  const made = identity.manufacturer;
  // The badge's own id standing in for the manufacturer (manufacturer lorex, brand null) is
  // the same as no maker identified from firmware.
  const makerUnknown = made === null || made === badge;
  const doubt = !makerUnknown
    ? `the badge ${badge} points to ${maker.manufacturer}, but the device evidence names ${made}`
    : `only some ${badge} models come from ${maker.manufacturer}, and no firmware evidence names the maker of this one`;
  // An identified maker's own relation to the badge only adds words (brandNote), no link.
  if (maker.manufacturer === made) return;
  const unverified = maker.verified ? '' : ' (relation unverified)';
  switch (maker.relation) {
    case 'own-brand':
    case 'subsidiary': {
      if (!within(at, maker)) return;
      const via: LinkVia = maker.relation === 'own-brand' ? 'named' : 'subsidiary';
      const firm = makerUnknown && !maker.modelSpecific;
      const words =
        maker.relation === 'own-brand'
          ? `an own brand of ${maker.manufacturer}`
          : `a brand of ${maker.manufacturer}'s subsidiary`;
      set.addWithOwners(
        vocab,
        maker.manufacturer,
        via,
        firm,
        `brand ${badge} is ${words}${unverified}`,
        doubt,
      );
      return;
    }
    case 'oem': {
      if (!within(at, maker)) return;
      const firm = makerUnknown && !maker.modelSpecific;
      const words = maker.modelSpecific
        ? `some ${badge} models are OEM-produced by ${maker.manufacturer} (model-specific; maker not identified from firmware)`
        : `brand ${badge} is OEM-produced by ${maker.manufacturer}`;
      set.addWithOwners(vocab, maker.manufacturer, 'oem', firm, `${words}${unverified}`, doubt);
      return;
    }
    case 'former-subsidiary':
    case 'former-oem': {
      const oem = maker.relation === 'former-oem';
      const owner = { id: maker.manufacturer, from: maker.from, until: maker.until };
      const role = oem ? `OEM-produced by ${owner.id}` : `a ${owner.id} subsidiary`;
      const why = judgeFormer(`brand ${badge}`, owner, role, identity, at, set);
      if (why === null) return;
      const firm = makerUnknown && !maker.modelSpecific;
      set.addWithOwners(
        vocab,
        maker.manufacturer,
        oem ? 'oem' : 'former-subsidiary',
        firm,
        `${why}${unverified}`,
        doubt,
      );
      return;
    }
  }
}

/** Brand facts about the identified maker itself, e.g. "brand annke is OEM-produced by hikvision". */
function brandNote(vocab: Vocabulary, identity: Identity): string {
  const { manufacturer, brand } = identity;
  if (!manufacturer || !brand || brand === manufacturer) return '';
  const maker = vocab.brands.get(brand)?.makers.find((m) => m.manufacturer === manufacturer);
  if (!maker) return `; badge ${brand}`;
  const words: Record<string, string> = {
    'own-brand': `is an own brand of ${manufacturer}`,
    subsidiary: `is sold by ${manufacturer}`,
    oem: `is OEM-produced by ${manufacturer}`,
    'former-subsidiary': `was a ${manufacturer} subsidiary (${span(maker)})`,
    'former-oem': `was OEM-produced by ${manufacturer} (${span(maker)})`,
  };
  return `; brand ${brand} ${words[maker.relation] ?? `relates to ${manufacturer}`}`;
}

export function linksFor(vocab: Vocabulary, identity: Identity, at: Date): Links {
  const set = new LinkSet();
  const made = identity.manufacturer;
  if (made) {
    set.addWithOwners(vocab, made, 'named', true, `manufacturer ${made}${brandNote(vocab, identity)}`);
    for (const owner of vocab.manufacturers.get(made)?.formerParents ?? []) {
      const why = judgeFormer(`manufacturer ${made}`, owner, `a ${owner.id} subsidiary`, identity, at, set);
      if (why !== null) set.addWithOwners(vocab, owner.id, 'former-subsidiary', true, why);
    }
  }
  // The badge, and the maker's id read as a badge (an ONVIF "Lorex" may be a relabel).
  for (const badge of new Set([identity.brand, made].filter((b): b is string => b !== null))) {
    for (const maker of vocab.brands.get(badge)?.makers ?? [])
      addBrandMaker(vocab, identity, badge, maker, at, set);
  }
  return { links: set.all, notes: set.notes };
}
