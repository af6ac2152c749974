import { render, screen } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('opens on the demo sign-in page with the configured personas', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Test' },
            backend: { baseUrl: 'http://localhost:7007' },
            apiAccessDemo: {
              personas: [
                { userRef: 'user:default/calum.leavy', role: 'API owner' },
              ],
            },
          },
          context: 'test',
        },
      ] as any,
    };

    render(App.createRoot());

    expect(
      await screen.findByRole(
        'button',
        { name: 'Sign in as calum.leavy' },
        { timeout: 15_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('API owner')).toBeInTheDocument();
  }, 30_000);
});
