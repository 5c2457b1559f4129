import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae step

  struct StepArguments: CommandArguments {
    @Positional(name: "n", 1...1_000_000, help: "steps to take") var count: Int = 100
    @Named(
      help:
        "the encoder's gradient: pathwise (the reparameterisation), score or score+baseline (the score function; see vae estimators)"
    )
    var estimator: LatentGradientEstimator = .pathwise
  }

  static let step = CommandSpec(
    name: "step",
    summary: "train N steps; Ctrl-C stops at the next step with the model intact",
    arguments: StepArguments.self,
    examples: ["vae step", "vae step 2000", "vae step 2000 estimator=score"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      if arguments.estimator != .pathwise && workbench.configuration.kind != .vae {
        throw LabError(
          "a plain autoencoder (kind=ae) has no q(z|x) for the score function; its encoder trains by backpropagation only",
          argument: "estimator")
      }
      workbench.model.estimator = arguments.estimator
      defer { workbench.model.estimator = .pathwise }
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
      let c = workbench.configuration
      return try Output(
        StepResult(
          step: workbench.trainer.steps, taken: taken, objective: last?.objective, recon: last?.reconstruction,
          kl: c.kind == .vae ? Nullable(wrappedValue: last?.kl) : nil,
          negativeELBO: c.kind == .vae ? Nullable(wrappedValue: last?.negativeELBO) : nil,
          beta: c.kind == .vae ? c.beta : nil,
          estimator: arguments.estimator == .pathwise ? nil : arguments.estimator, requested: requested,
          firstObjective: first?.objective,
          configuration: c, precision: session.precision))
    })

  /// What `vae step` reports: where training got to, and the losses on the last batch.
  struct StepResult: CommandResult {
    var step: Int
    var taken: Int
    @Nullable var objective: Double?
    @Nullable var recon: Double?
    /// The KL terms, for a VAE (null when no step was taken); a plain
    /// autoencoder has none, and the keys are left out.
    var kl: Nullable<Double>?
    var negativeELBO: Nullable<Double>?
    var beta: Double?
    /// The encoder's gradient estimator, when it is not the pathwise one.
    var estimator: LatentGradientEstimator?
    // For the text only:
    var requested: Int
    var firstObjective: Double?
    var configuration: VAEConfiguration
    var precision: Int

    enum CodingKeys: String, CodingKey {
      case step, taken, objective, recon, kl, negativeELBO = "neg_elbo", beta, estimator
    }

    func text(for presentation: Presentation) -> String {
      guard taken > 0 else { return "no step taken (Ctrl-C); the model is unchanged at step \(step)" }
      func n(_ value: Double) -> String { NumberFormat.fixed(value, precision) }
      var text = "steps \(step - taken + 1)-\(step)"
      if let firstObjective, let objective, let recon {
        let change = "\(n(firstObjective)) -> \(n(objective))"
        let (kl, negativeELBO) = (kl?.wrappedValue ?? 0, negativeELBO?.wrappedValue ?? 0)
        switch (configuration.kind, trainsNegativeELBO(configuration)) {
        case (.autoencoder, _):
          text += ": reconstruction loss per example \(change)"
        case (.vae, true):
          text += ": loss per example (-ELBO) \(change) (reconstruction \(n(recon)), KL \(n(kl)) on the last batch)"
        case (.vae, false):
          text +=
            ": objective per example (\(objectiveName(configuration))) \(change) (reconstruction \(n(recon)), KL \(n(kl)), -ELBO \(n(negativeELBO)) on the last batch)"
          if configuration.klSchedule != .constant {
            let weight = configuration.beta * configuration.klSchedule.weight(afterSteps: step - 1)
            text +=
              "; the KL weight was \(NumberFormat.shortest(NumberFormat.rounded(weight, significantDigits: 4))) at step \(step) (\(configuration.klSchedule.text))"
          }
        }
      }
      if let estimator {
        text +=
          estimator == .score
          ? "\nthe encoder's gradient by the score function (no baseline)"
          : "\nthe encoder's gradient by the score function less the leave-one-out mean of the batch's -log p(x|z)"
      }
      if taken < requested {
        text += "\nstopped by Ctrl-C after \(taken) of \(requested) steps; the model is as after step \(step)"
      }
      return text
    }
  }
}
