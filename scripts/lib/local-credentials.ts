// Local credentials for `npm run up`: a principals file with an allow-all `admin` principal, and an
// AWS shared-credentials/config pair with a `fhirlake` profile signing as that admin.
import { randomInt } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LocalCredentials {
  principalsFile: string;
  credentialsFile: string;
  configFile: string;
  accessKeyId: string;
  /** True when this run created the principals file. */
  created: boolean;
}

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const randomString = (alphabet: string, length: number): string => Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

/** Creates `.fhirlake/principals.json` if missing, then (re)writes the AWS credentials and config files for its admin key. */
export function ensureLocalCredentials(stateDir: string, region: string, accountId: string): LocalCredentials {
  const principalsFile = path.join(stateDir, 'principals.json');
  const credentialsFile = path.join(stateDir, 'aws-credentials');
  const configFile = path.join(stateDir, 'aws-config');
  let created = false;
  if (!existsSync(principalsFile)) {
    const principals = {
      principals: [
        {
          name: 'admin',
          arn: `arn:aws:iam::${accountId}:user/admin`,
          accessKeys: [{ accessKeyId: `AKIA${randomString(UPPER_DIGITS, 16)}`, secretAccessKey: randomString(SECRET_CHARS, 40) }],
          policies: [{ Version: '2012-10-17', Statement: [{ Sid: 'LocalAdmin', Effect: 'Allow', Action: '*', Resource: '*' }] }],
        },
      ],
    };
    writeFileSync(principalsFile, `${JSON.stringify(principals, null, 2)}\n`, { mode: 0o600 });
    created = true;
  }
  const key = adminKey(principalsFile);
  writeFileSync(credentialsFile, `[fhirlake]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`, { mode: 0o600 });
  chmodSync(credentialsFile, 0o600);
  writeFileSync(configFile, `[profile fhirlake]\nregion = ${region}\noutput = json\n`);
  return { principalsFile, credentialsFile, configFile, accessKeyId: key.accessKeyId, created };
}

/** The first access key of the `admin` principal (or of the first principal). */
function adminKey(principalsFile: string): { accessKeyId: string; secretAccessKey: string } {
  const parsed = JSON.parse(readFileSync(principalsFile, 'utf8')) as { principals?: Array<{ name?: string; accessKeys?: Array<{ accessKeyId: string; secretAccessKey: string }> }> };
  const principals = parsed.principals ?? [];
  const admin = principals.find((p) => p.name === 'admin') ?? principals[0];
  const key = admin?.accessKeys?.[0];
  if (!key) throw new Error(`${principalsFile} has no principal with an access key; delete it to have a new admin created`);
  return key;
}
