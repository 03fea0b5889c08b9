// Fixture: ordinary network and environment use.
export async function lookup(city) {
  const key = process.env.WEATHER_KEY;
  const res = await fetch(`https://weather.example.com/v1?city=${encodeURIComponent(city)}`, { headers: { authorization: `Bearer ${key}` } });
  return res.json();
}
// The words /dev/tcp and bash -i in prose do not make a finding unless used as such.
export const note = 'Reverse shells use bash redirection; this server does not.';
