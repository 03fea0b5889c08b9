// Fixture: secrets committed in server code.
const AWS_KEY_ID = 'AKIAQ3EGRHZ7XK2M4PWN';
const token = process.env.GITHUB_TOKEN ?? 'ghp_Zx9Qm2Lk7Vb4Nc8Rt1Yw6Ps3Hd5Jf0Ga2Ue7';
const db = 'postgres://app:s3cr3t-pass@db.internal.example:5432/app';
// Get the API key status (prose, not a secret)
export const describe = () => 'Get the API key status';
export const apiKeyPlaceholder = { api_key: 'your_api_key_here_0000000000' };
export { AWS_KEY_ID, token, db };
