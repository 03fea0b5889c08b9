// Fixture: credentials read from the environment only.
const apiKey = process.env.SERVICE_API_KEY;
const example = 'AKIAIOSFODNN7EXAMPLE'; // the documented AWS example key
export function status() {
  return apiKey ? 'Get the API key status: configured' : 'Get the API key status: missing';
}
export { example };
