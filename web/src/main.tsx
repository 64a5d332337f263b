import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
// The shared stylesheet first, so each screen's own CSS can refine it.
import "./styles.css";
import { App } from "./app.tsx";
import { RouterProvider } from "./lib/router.tsx";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <RouterProvider>
      <App />
    </RouterProvider>
  </StrictMode>,
);
