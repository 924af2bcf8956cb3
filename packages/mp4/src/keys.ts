import { InvalidCencKey } from "./errors.ts";

/** A content key and its key id, 16 bytes each. */
export interface CencKey {
  kid: Buffer;
  key: Buffer;
}

export function checkKey({ kid, key }: CencKey): void {
  if (kid.length !== 16) throw new InvalidCencKey(`a key id has 16 bytes, not ${kid.length}`);
  if (key.length !== 16) throw new InvalidCencKey(`an AES-128 key has 16 bytes, not ${key.length}`);
}

/** W3C "org.w3.clearkey" common PSSH system id (https://www.w3.org/TR/eme-initdata-cenc/). */
export const CLEARKEY_SYSTEM_ID = Buffer.from("1077efecc0b24d02ace33c1e52e2fb4b", "hex");
/** The 'cenc' scheme's Per_Sample_IV_Size: 8-byte IVs, the counter block's other half zero. */
export const IV_SIZE = 8;
