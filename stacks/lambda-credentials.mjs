// What esbuild-plugins.mjs puts in a Lambda bundle in place of @aws-sdk/credential-provider-node, the SDK's default
// credential chain: Lambda hands every function its execution role's credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (the Lambda guide's "Defined runtime environment variables"), which is
// the first link of that chain and the one it ends at in Lambda. The rest (shared ini files, SSO, STS web identity,
// process, the instance metadata service) never answers there, and its clients are about a tenth of a bundle.
// Only the Lambda functions are bundled with these plugins (LAMBDA_BUNDLE): the WHIP gateway's container, which gets
// its credentials from the task's endpoint, keeps the whole chain. A function given credentials another way (SnapStart,
// which Node functions do not have today) would need the chain back.
import { fromEnv } from "@aws-sdk/credential-provider-env";

export const defaultProvider = (init = {}) => fromEnv(init);
