import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae step

  static let step = CommandSpec(
    name: "step",
    summary: "train N steps; Ctrl-C stops at the next step with the model intact",
    arguments: [ArgumentSpec("n", .integer(1...1_000_000), default: "100", positional: true, help: "steps to take")],
    examples: ["vae step", "vae step 2000"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let requested = try arguments.required("n", arguments.integer)
      let clock = ContinuousClock()
      let started = clock.now
      var lastReport = started
      var first: VAE<Float>.Losses?
      var last: VAE<Float>.Losses?
      var taken = 0
      var failure: LabError?
      while taken < requested {
        if session.shouldStop() { break }
        do throws(Trainer<Float>.StepError) {
          let losses = try workbench.trainer.step()
          workbench.record(losses)
          if first == nil { first = losses }
          last = losses
          taken += 1
        } catch {
          guard case .notFinite(let stepNumber, let losses) = error else { break }
          failure = LabError(
            "step \(stepNumber) gave a loss or gradient that is not finite (loss \(NumberFormat.fixed(losses.total, 3))); its update was not applied and training stopped after \(taken) steps. Try a smaller lr (now \(NumberFormat.shortest(workbench.trainer.optimizer.learningRate))) or beta with 'vae new'"
          )
          break
        }
        if let progress = session.progress, clock.now - lastReport > .milliseconds(100), let last {
          lastReport = clock.now
          let elapsed = (clock.now - started) / .seconds(1)
          progress(
            "step \(workbench.trainer.steps)  loss \(NumberFormat.fixed(last.total, 2))  recon \(NumberFormat.fixed(last.reconstruction, 2))  KL \(NumberFormat.fixed(last.kl, 2))  \(NumberFormat.fixed(Double(taken) / elapsed, 0)) steps/s"
          )
        }
      }
      if let failure { throw failure }
      let end = workbench.trainer.steps
      var text = "steps \(end - taken + 1)-\(end)"
      if let first, let last {
        text +=
          ": loss per example \(NumberFormat.fixed(first.total, session.precision)) -> \(NumberFormat.fixed(last.total, session.precision)) (reconstruction \(NumberFormat.fixed(last.reconstruction, session.precision)), KL \(NumberFormat.fixed(last.kl, session.precision)) on the last batch)"
      }
      if taken < requested {
        text += "\nstopped by Ctrl-C after \(taken) of \(requested) steps; the model is as after step \(end)"
      }
      if taken == 0 { text = "no step taken (Ctrl-C); the model is unchanged at step \(end)" }
      return Output(
        text: text,
        json: .object([
          ("step", .integer(end)), ("taken", .integer(taken)), ("loss", last.map { .number($0.total) } ?? .null),
          ("recon", last.map { .number($0.reconstruction) } ?? .null), ("kl", last.map { .number($0.kl) } ?? .null),
        ]))
    })
}
