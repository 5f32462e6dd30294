/** True for ASCII-armored OpenPGP data (keyrings and signatures come both ways). */
export function isArmored(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().startsWith("-----BEGIN PGP");
}
