// Property tests run on a fixed seed so a test run is reproducible and CI cannot fail on a
// case it drew by chance; FC_SEED=<n> picks another seed, FC_SEED=random a fresh one each run
// (fast-check prints the seed of any failure, to replay it with FC_SEED).
import fc from 'fast-check';

const chosen = process.env.FC_SEED;
if (chosen !== 'random') {
  const seed = chosen === undefined ? 20261207 : Number(chosen);
  if (!Number.isInteger(seed))
    throw new Error(`FC_SEED must be an integer or "random", not ${chosen}`);
  fc.configureGlobal({ seed });
}
