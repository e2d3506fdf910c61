import { checkExposure, ephemeralLocalConfig, isLoopbackHost, LocalConfigError } from '../../../local/config';

describe('which LOCAL_HOST only this machine can reach', () => {
  test.each(['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost'])(
    '%s is loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );
  test.each(['0.0.0.0', '::', '192.168.1.20', '10.0.0.5', 'fe80::1', '::ffff:192.168.1.20'])(
    '%s is reachable from elsewhere',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});

describe('LOCAL_EXPOSE', () => {
  const local = (LOCAL_HOST: string, LOCAL_EXPOSE?: string) =>
    ephemeralLocalConfig({ LOCAL_HOST, ...(LOCAL_EXPOSE ? { LOCAL_EXPOSE } : {}) });

  test.each(['0.0.0.0', '::', '192.168.1.20'])('real mode on %s is refused without it, naming the fix', (host) => {
    expect(() => checkExposure(local(host), false)).toThrow(LocalConfigError);
    expect(() => checkExposure(local(host), false)).toThrow(
      new RegExp(`LOCAL_HOST=${host.replace(/\./g, '\\.')} lets other machines reach.*LOCAL_EXPOSE=true`),
    );
  });

  test('real mode on such a host is allowed with LOCAL_EXPOSE=true, and on loopback without it', () => {
    expect(() => checkExposure(local('0.0.0.0', 'true'), false)).not.toThrow();
    expect(() => checkExposure(local('127.0.0.1'), false)).not.toThrow();
    expect(() => checkExposure(local('::1'), false)).not.toThrow();
  });

  test('the sandbox, which holds no real secret, may listen anywhere', () => {
    expect(() => checkExposure(local('0.0.0.0'), true)).not.toThrow();
  });

  test('takes only true or false', () => {
    expect(() => local('127.0.0.1', 'yes')).toThrow(/LOCAL_EXPOSE="yes" must be true or false/);
  });
});
