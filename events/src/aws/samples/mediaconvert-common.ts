export const docs = "https://docs.aws.amazon.com/mediaconvert/latest/ug";

// JSON has no numbers with leading zeros; the pages print warning code 000000 that way.
export const warningCodeRepair = ['"code": 000000', '"code": 0'] as const;
