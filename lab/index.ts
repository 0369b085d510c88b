/** The public API of postfix-tls-lab. Nothing else in lab/ is meant to be imported from outside. */
export { LabError, isLabError, type LabErrorCode } from './errors.ts';

export { defineScenario, loadScenarioFile, type LoadedScenario } from './scenario/load.ts';
export type { Scenario, ScenarioInput, SenderSpec, ReceiverSpec, Expectation, SenderTls } from './scenario/schema.ts';
export { scenarioSchema } from './scenario/schema.ts';
export { runScenario, runScenarios, type RunOptions } from './scenario/runner.ts';
export type { RunReport, ScenarioResult, SenderResult, SelfReport, ScenarioTimings } from './scenario/result.ts';
export type { Observed, MessageFate, FateStatus } from './scenario/outcome.ts';
export { PROTOCOLS, type TlsProtocol } from './scenario/tls-vocabulary.ts';

export { connectEngine, type Engine } from './docker/engine.ts';
export { removeLabelled, type CleanupResult } from './docker/cleanup.ts';
export { LABEL } from './docker/labels.ts';

export { ensureBaseImage, bootstrapBaseImages, baseImageTag, type BaseImageOptions } from './images/base.ts';
export { ensureToolchainImage, type ToolchainImage, type EnsureImageOptions } from './images/build.ts';
export { listToolchainImages, type ImageStatus } from './images/inventory.ts';
export type { ProgressEvent, ProgressSink } from './images/progress.ts';

export { loadToolchains, getToolchain } from './toolchains/registry.ts';
export type { Toolchain } from './toolchains/model.ts';

export { validateConfig, type ValidateOptions, type ValidateReport, type ValidatedSide } from './advice/validate.ts';
export { reproduceFailures, type ReproduceOptions, type ReproduceReport, type FailureFinding } from './advice/reproduce.ts';
export { readConfigDir, type AdminConfig, type ParameterDecision, type CertType } from './advice/config-dir.ts';
export { unusedSettings, type UnusedSetting } from './postfix-config/unused-settings.ts';
export { reproductionScenario } from './advice/scenario-writer.ts';
export type { MatrixRow, DiffRow } from './advice/matrix.ts';
export type { FixCandidate } from './advice/fixes.ts';
export type { FixEffect } from './advice/ranking.ts';

export { renderRunReport } from './report/run-table.ts';
export { renderValidateMarkdown, renderReproduceMarkdown } from './report/markdown.ts';
export { renderValidateText, renderReproduceText } from './report/advice-table.ts';
export { renderJunit } from './report/junit.ts';

export * as logs from './logs/index.ts';

export { main } from './cli/main.ts';
