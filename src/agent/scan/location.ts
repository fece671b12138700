/**
 * A device's place on the network from the switch probe's observations: the switch, access
 * port and VLAN its MAC was learned on (src/agent/probes/switch). This is what an admin needs
 * to walk to the device and unplug it.
 */
import type { DeviceLocation, Observation } from '../../contract/types.js';
import { parseIpv4 } from '../../core/ipv4.js';
import { cap } from '../../core/text.js';

export function locationOf(observations: readonly Observation[]): DeviceLocation | null {
  const first = (key: string) => observations.find((o) => o.key === key)?.value;
  const sw = first('switch.device');
  const port = first('switch.port');
  if (sw === undefined || port === undefined || parseIpv4(sw) === null) return null;
  const vlanText = first('switch.vlan');
  const vlan =
    vlanText !== undefined && /^\d{1,4}$/.test(vlanText) && Number(vlanText) <= 4095
      ? Number(vlanText)
      : null;
  const name = first('switch.name');
  const alias = first('switch.portAlias');
  return {
    switch: sw,
    ...(name ? { switchName: cap(name, 255) } : {}),
    port: cap(port, 255),
    ...(alias ? { portAlias: cap(alias, 255) } : {}),
    vlan,
  };
}
