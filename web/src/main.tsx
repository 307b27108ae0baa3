/** Entry point: apply the saved theme before the first paint, then mount the console. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { SessionProvider } from './session.tsx';
import { getTheme, setTheme } from './ui/theme.ts';
import { ToastProvider } from './ui/toast.tsx';
import './styles.css';

setTheme(getTheme());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ToastProvider>
      <SessionProvider>
        <App />
      </SessionProvider>
    </ToastProvider>
  </StrictMode>,
);
