export const chunkSize = 128;
