import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae step

  struct StepArguments: CommandArguments {
    @Positional(name: "n", 1...1_000_000, help: "steps to take") var count: Int = 100
  }

  static let step = CommandSpec(
    name: "step",
    summary: "train N steps; Ctrl-C stops at the next step with the model intact",
    arguments: StepArguments.self,
    examples: ["vae step", "vae step 2000"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let requested = arguments.count
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
            "step \(stepNumber) gave a loss or gradient that is not finite (\(objectiveWord(workbench.configuration)) \(NumberFormat.fixed(losses.objective, 3))); its update was not applied and training stopped after \(taken) steps. Try a smaller lr (now \(NumberFormat.shortest(workbench.trainer.optimizer.learningRate))) or beta with 'vae new'"
          )
          break
        }
        if let progress = session.progress, clock.now - lastReport > .milliseconds(100), let last {
          lastReport = clock.now
          let elapsed = (clock.now - started) / .seconds(1)
          let terms =
            workbench.configuration.kind == .vae
            ? "  recon \(NumberFormat.fixed(last.reconstruction, 2))  KL \(NumberFormat.fixed(last.kl, 2))" : ""
          progress(
            "step \(workbench.trainer.steps)  \(objectiveWord(workbench.configuration)) \(NumberFormat.fixed(last.objective, 2))\(terms)  \(NumberFormat.fixed(Double(taken) / elapsed, 0)) steps/s"
          )
        }
      }
      if let failure { throw failure }
      let end = workbench.trainer.steps
      let c = workbench.configuration
      var text = "steps \(end - taken + 1)-\(end)"
      if let first, let last {
        func n(_ value: Double) -> String { NumberFormat.fixed(value, session.precision) }
        let change = "\(n(first.objective)) -> \(n(last.objective))"
        switch (c.kind, c.beta == 1) {
        case (.autoencoder, _):
          text += ": reconstruction loss per example \(change)"
        case (.vae, true):
          text +=
            ": loss per example (-ELBO) \(change) (reconstruction \(n(last.reconstruction)), KL \(n(last.kl)) on the last batch)"
        case (.vae, false):
          text +=
            ": objective per example (\(objectiveName(c))) \(change) (reconstruction \(n(last.reconstruction)), KL \(n(last.kl)), -ELBO \(n(last.negativeELBO)) on the last batch)"
        }
      }
      if taken < requested {
        text += "\nstopped by Ctrl-C after \(taken) of \(requested) steps; the model is as after step \(end)"
      }
      if taken == 0 { text = "no step taken (Ctrl-C); the model is unchanged at step \(end)" }
      var members: [(String, JSON)] = [
        ("step", .integer(end)), ("taken", .integer(taken)), ("objective", last.map { .number($0.objective) } ?? .null),
        ("recon", last.map { .number($0.reconstruction) } ?? .null),
      ]
      if c.kind == .vae {
        members += [
          ("kl", last.map { .number($0.kl) } ?? .null), ("neg_elbo", last.map { .number($0.negativeELBO) } ?? .null),
          ("beta", .number(c.beta)),
        ]
      }
      return Output(text: text, json: .object(members))
    })
}
