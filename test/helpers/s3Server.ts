import S3rver from 's3rver';

/** A real S3-compatible server (s3rver) on 127.0.0.1, its data under `dir`. */
export interface S3Fixture {
  endpoint: string;
  /** What a `meta` process needs to reach it: endpoint and the fixed s3rver credentials. */
  env: Record<string, string>;
  close: () => Promise<void>;
}

/**
 * Starts s3rver on a free port with `buckets` created, silent, storing under `dir` (the test's
 * tmp dir). Its credentials are s3rver's fixed S3RVER/S3RVER.
 */
export async function startS3(dir: string, buckets: string[]): Promise<S3Fixture> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    close: () => server.close(),
  };
}
