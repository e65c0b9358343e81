/** An endpoint's secret envelopes open only on their own row (SecretBox additional data). */
export const endpointSecretContext = (vendorId: string, endpointId: string) => `webhook-endpoint-secret:${vendorId}:${endpointId}`;
