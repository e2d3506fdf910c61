// Placeholder until the domain wiring lands; keeps the CDK entry point resolvable.
export const handler = async (_event: unknown): Promise<unknown> => ({ ok: true });
