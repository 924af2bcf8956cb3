export { InvalidCencKey, MalformedMp4, TruncatedSegment, UnsupportedMp4 } from "./errors.ts";
export { type EncryptorOptions, encryptSegment, FragmentEncryptor } from "./fragment.ts";
export { clearKeyPssh, encryptInit } from "./init.ts";
export { type CencKey, CLEARKEY_SYSTEM_ID } from "./keys.ts";
export { readTracks, type Track } from "./tracks.ts";
