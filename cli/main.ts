#!/usr/bin/env node
import { CommanderError } from 'commander'
import { createProgram } from './program.js'

const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: Boolean(process.stderr.isTTY),
  setExitCode: (code: number) => {
    process.exitCode = code
  },
}

const program = createProgram(io)
try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 1
  } else {
    throw e
  }
}
