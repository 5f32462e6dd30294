/**
 * The LAN: BEP 14 discovery of other apt-dht nodes, and mDNS advertising of
 * the proxy to apt clients (`_apt_proxy._tcp`).
 *
 * @module
 */
export { LanDiscovery, type LanDiscoveryStatus } from "./lan_discovery.ts";
export { interfacesListenedOn } from "./lan_interfaces.ts";
export { MdnsAdvertiser, type MdnsAdvertiserStatus } from "./mdns_advertiser.ts";
