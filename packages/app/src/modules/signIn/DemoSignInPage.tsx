/*
 * Demo only: choose which catalog User to be. Pairs with the backend's demo
 * auth provider, which only exists where app-config enables it.
 */
import { useCallback, useEffect, useState } from 'react';
import Avatar from '@material-ui/core/Avatar';
import Button from '@material-ui/core/Button';
import Card from '@material-ui/core/Card';
import CardActionArea from '@material-ui/core/CardActionArea';
import CardContent from '@material-ui/core/CardContent';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { Content, Header, Page } from '@backstage/core-components';
import {
  BackstageUserIdentity,
  IdentityApi,
  ProfileInfo,
  configApiRef,
  discoveryApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';

const STORAGE_KEY = 'api-access-demo:userEntityRef';

interface DemoSession {
  profile: ProfileInfo;
  backstageIdentity: {
    token: string;
    identity: BackstageUserIdentity;
    expiresInSeconds?: number;
  };
}

async function fetchSession(
  authBaseUrl: string,
  userEntityRef: string,
): Promise<DemoSession> {
  const response = await fetch(
    `${authBaseUrl}/demo/refresh?userEntityRef=${encodeURIComponent(
      userEntityRef,
    )}`,
    {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
      credentials: 'include',
    },
  );
  if (!response.ok) {
    const body = await response.json().catch(() => undefined);
    throw new Error(
      body?.error?.message ?? `Sign-in failed with ${response.status}`,
    );
  }
  return response.json();
}

/** An IdentityApi that re-issues the demo token before it expires. */
class DemoIdentity implements IdentityApi {
  private expiresAt: number;

  constructor(
    private readonly authBaseUrl: string,
    private readonly userEntityRef: string,
    private session: DemoSession,
  ) {
    this.expiresAt = DemoIdentity.expiry(session);
  }

  private static expiry(session: DemoSession) {
    return (
      Date.now() + (session.backstageIdentity.expiresInSeconds ?? 3600) * 1000
    );
  }

  private async current() {
    if (Date.now() > this.expiresAt - 5 * 60_000) {
      this.session = await fetchSession(this.authBaseUrl, this.userEntityRef);
      this.expiresAt = DemoIdentity.expiry(this.session);
    }
    return this.session;
  }

  async getProfileInfo() {
    return (await this.current()).profile;
  }
  async getBackstageIdentity() {
    return (await this.current()).backstageIdentity.identity;
  }
  async getCredentials() {
    return { token: (await this.current()).backstageIdentity.token };
  }
  async signOut() {
    window.localStorage.removeItem(STORAGE_KEY);
    window.location.assign('/');
  }
}

export function DemoSignInPage(props: SignInPageProps) {
  const { onSignInSuccess } = props;
  const configApi = useApi(configApiRef);
  const discoveryApi = useApi(discoveryApiRef);
  const [error, setError] = useState<string>();
  const [other, setOther] = useState('');
  const [busy, setBusy] = useState(false);
  const personas = (
    configApi.getOptionalConfigArray('apiAccessDemo.personas') ?? []
  ).map(persona => ({
    userRef: persona.getString('userRef'),
    role: persona.getOptionalString('role') ?? '',
  }));

  const signIn = useCallback(
    async (userEntityRef: string) => {
      setBusy(true);
      setError(undefined);
      try {
        const authBaseUrl = await discoveryApi.getBaseUrl('auth');
        const session = await fetchSession(authBaseUrl, userEntityRef);
        window.localStorage.setItem(STORAGE_KEY, userEntityRef);
        onSignInSuccess(new DemoIdentity(authBaseUrl, userEntityRef, session));
      } catch (e) {
        window.localStorage.removeItem(STORAGE_KEY);
        setError(e instanceof Error ? e.message : String(e));
        setBusy(false);
      }
    },
    [discoveryApi, onSignInSuccess],
  );

  // Stay signed in as the same persona across reloads.
  useEffect(() => {
    const remembered = window.localStorage.getItem(STORAGE_KEY);
    if (remembered) {
      signIn(remembered);
    }
  }, [signIn]);

  return (
    <Page themeId="home">
      <Header
        title="api-access demo"
        subtitle="Sign in as any person in the example catalog"
      />
      <Content>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        <Grid container spacing={2}>
          {personas.map(persona => {
            const name = persona.userRef.split('/').pop() ?? persona.userRef;
            return (
              <Grid item xs={12} sm={6} md={4} key={persona.userRef}>
                <Card>
                  <CardActionArea
                    disabled={busy}
                    onClick={() => signIn(persona.userRef)}
                    aria-label={`Sign in as ${name}`}
                  >
                    <CardContent
                      style={{ display: 'flex', alignItems: 'center' }}
                    >
                      <Avatar style={{ marginRight: 16 }}>
                        {name.charAt(0).toUpperCase()}
                      </Avatar>
                      <div>
                        <Typography variant="h6">{name}</Typography>
                        <Typography variant="body2" color="textSecondary">
                          {persona.role}
                        </Typography>
                      </div>
                    </CardContent>
                  </CardActionArea>
                </Card>
              </Grid>
            );
          })}
        </Grid>
        <form
          style={{
            marginTop: 32,
            display: 'flex',
            alignItems: 'center',
            gap: 16,
          }}
          onSubmit={event => {
            event.preventDefault();
            if (other.trim()) signIn(other.trim());
          }}
        >
          <TextField
            id="demo-sign-in-user"
            label="Any other catalog user"
            placeholder="user:default/jenny.doe"
            value={other}
            onChange={e => setOther(e.target.value)}
            style={{ minWidth: 320 }}
          />
          <Button
            type="submit"
            variant="outlined"
            disabled={busy || !other.trim()}
          >
            Sign in
          </Button>
        </form>
      </Content>
    </Page>
  );
}
