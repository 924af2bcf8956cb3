export const fakeEngine = { started: false };
