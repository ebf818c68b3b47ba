import { awsEndpointFor, baseEnvSchema, ConfigError, gatewayEnvSchema, loadConfig } from './index';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(gatewayEnvSchema, {});
    expect(config.PORT).toBe(8080);
    expect(config.AWS_REGION).toBe('us-east-1');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/fhirlake');
    expect(config.FHIRLAKE_ACCOUNT_ID).toBe('000000000000');
  });

  it.each([
    ['PORT', 'eighty', /PORT/],
    ['PORT', '-1', /PORT/],
    ['PORT', '70000', /PORT/],
    ['FHIRLAKE_ACCOUNT_ID', '1234', /FHIRLAKE_ACCOUNT_ID: must be 12 digits/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: must be a postgresql/],
    ['REDIS_URL', 'http://x', /REDIS_URL/],
    ['AWS_REGION', 'mars', /AWS_REGION/],
    ['AWS_ENDPOINT_URL', 'not a url', /AWS_ENDPOINT_URL/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig(gatewayEnvSchema, { [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig(gatewayEnvSchema, { [name]: value })).toThrow(message);
  });

  it('never echoes the rejected value (it may be a secret)', () => {
    expect(() => loadConfig(baseEnvSchema, { DATABASE_URL: 'secret-password-123' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret-password-123') }),
    );
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig(gatewayEnvSchema, { PORT: '' }).PORT).toBe(8080);
  });

  it('prefers the service-specific AWS endpoint over AWS_ENDPOINT_URL', () => {
    const env = loadConfig(baseEnvSchema, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' });
    expect(awsEndpointFor('s3', env)).toBe('http://127.0.0.1:9000');
    expect(awsEndpointFor('kms', env)).toBe('http://127.0.0.1:4566');
    expect(awsEndpointFor('kms', loadConfig(baseEnvSchema, {}))).toBeUndefined();
  });
});
