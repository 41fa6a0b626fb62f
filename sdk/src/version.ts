/** The SDK version plugins' `sdk` ranges are checked against. Keep in step with package.json. */
export const SDK_VERSION = '1.0.0';
