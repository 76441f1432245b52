export * from "./partners";
export * from "./auth";
export * from "./audit";
export * from "./mail";
export * from "./onboarding";
export * from "./training";
export * from "./deals";
export * from "./leads";
