/** The operator token that the HTTP API expects for administrative calls. */
export const adminToken = new sst.Secret("AdminToken");
