import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';

const demoSignInPage = SignInPageBlueprint.make({
  params: {
    loader: () => import('./DemoSignInPage').then(m => m.DemoSignInPage),
  },
});

/** The demo's persona picker, installed into the app plugin. */
export const demoSignInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [demoSignInPage],
});
