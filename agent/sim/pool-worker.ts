// A pool worker: runs each configuration it is sent and answers with the row.

import { parentPort } from 'node:worker_threads';
import { runExperiment, type ExperimentConfig } from './experiment.ts';

parentPort?.on('message', (cfg: ExperimentConfig) => parentPort?.postMessage(runExperiment(cfg)));
