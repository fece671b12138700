/**
 * The default TCP sweep port list. Every entry earns its place by identifying surveillance
 * equipment or the host it runs on; see README.md for the reason behind each. Printer raw
 * ports 9100–9107 are never here (a stray byte prints a page; config-spec rejects them too).
 */
export const DEFAULT_PORTS: readonly number[] = Object.freeze([
  21, // FTP: DVR/NVR firmware ships an FTP server; greeting names the stack
  22, // SSH: identification string names the build (dropbear on embedded boards)
  23, // telnet: busybox telnetd left on by some camera firmware; negotiation is a fingerprint
  80, // HTTP web UI (Hikvision App-webs, Dahua web3.0)
  81, // alternate web UI on DVRs and OEM relabels
  88, // alternate web UI on some NVRs when 80 is forwarded elsewhere
  443, // HTTPS web UI
  554, // RTSP (docs/protocols.md §5.5)
  2020, // ONVIF device service on some OEM cameras (seen in XAddrs)
  5000, // Dahua DHIP-framed JSON-RPC over TCP (docs/protocols.md §3.3)
  7001, // alternate web/streaming port on DVR OEMs
  8000, // Hikvision SDK command port (§3.3)
  8080, // alternate HTTP
  8081, // alternate HTTP
  8200, // alternate HTTP on Hikvision-family encoders
  8443, // Hikvision SDK over TLS / alternate HTTPS (§3.3)
  8554, // alternate RTSP
  8899, // ONVIF device service on OEM cameras (seen in XAddrs)
  10554, // alternate RTSP
  34567, // Xiongmai (XMeye) DVR media port: tells a not-covered maker apart
  37777, // Dahua SDK / DVRIP (§3.3)
  37778, // Dahua mobile/companion port
]);

/**
 * Phase 1 of two-phase discovery: the ports most surveillance gear answers on (web UI, TLS web
 * UI, RTSP, the Hikvision and Dahua SDK ports), tried in this order on every address until
 * one answers. A refused connect proves the host is alive just as well as an open one.
 */
export const DISCOVERY_PORTS: readonly number[] = Object.freeze([80, 443, 554, 8000, 37777]);
