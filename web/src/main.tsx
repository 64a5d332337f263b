import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
// The shared stylesheet first, so each screen's own CSS can refine it.
import "./styles.css";
import { App } from "./app.tsx";
import { queryClient } from "./lib/query-client.ts";
import { RouterProvider } from "./lib/router.tsx";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider>
        <App />
      </RouterProvider>
    </QueryClientProvider>
  </StrictMode>,
);
