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
      var notFinite: (step: Int, objective: Double)?
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
          // Training stops here, keeping the steps taken, as at Ctrl-C: a result, not an
          // error, because the model changed (an error would promise it had not).
          notFinite = (stepNumber, losses.objective)
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
      let c = workbench.configuration
      return Output(
        StepResult(
          step: workbench.trainer.steps, taken: taken, objective: last?.objective, recon: last?.reconstruction,
          kl: c.kind == .vae ? Nullable(wrappedValue: last?.kl) : nil,
          negativeELBO: c.kind == .vae ? Nullable(wrappedValue: last?.negativeELBO) : nil,
          beta: c.kind == .vae ? c.beta : nil,
          estimator: arguments.estimator == .pathwise ? nil : arguments.estimator,
          notFinite: notFinite.map {
            NotFiniteStop(
              step: $0.step, objective: $0.objective, learningRate: workbench.trainer.optimizer.learningRate)
          }, requested: requested, firstObjective: first?.objective,
          configuration: c))
    })

  /// A training step whose loss or gradient was not finite.
  struct NotFiniteStop: Encodable, Sendable {
    var step: Int
    /// The objective of that step's batch (infinite or NaN, written as null in JSON).
    @Nullable var objective: Double?
    /// The learning rate, for the advice.
    var learningRate: Double

    /// The objective in words: its value when finite (only a gradient was not), else what it was.
    var objectiveText: String

    init(step: Int, objective: Double, learningRate: Double) {
      self.step = step
      self.objective = objective.isFinite ? objective : nil
      self.learningRate = learningRate
      objectiveText =
        objective.isNaN
        ? "not a number" : objective.isInfinite ? "infinite" : NumberFormat.fixed(objective, 3)
    }

    enum CodingKeys: String, CodingKey { case step, objective }
  }

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
    /// The step whose loss or gradient was not finite, which ended training (its update not applied).
    var notFinite: NotFiniteStop?
    // For the text only:
    var requested: Int
    var firstObjective: Double?
    var configuration: VAEConfiguration

    enum CodingKeys: String, CodingKey {
      case step, taken, objective, recon, kl, negativeELBO = "neg_elbo", beta, estimator
      case notFinite = "not_finite"
    }

    func text(for presentation: Presentation) -> String {
      let stop =
        notFinite.map { stop in
          "step \(stop.step) gave a loss or gradient that is not finite (\(objectiveWord(configuration)) \(stop.objectiveText)); its update was not applied and training stopped after \(taken) of \(requested) steps. Try a smaller lr (now \(NumberFormat.shortest(stop.learningRate))) or beta with 'vae new'"
        }
      guard taken > 0 else {
        return stop.map { "no step taken: \($0); the model is at step \(step)" }
          ?? "no step taken (Ctrl-C); the model is unchanged at step \(step)"
      }
      func n(_ value: Double) -> String { NumberFormat.fixed(value, presentation.precision) }
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
      if let stop {
        text += "\n" + stop
      } else if taken < requested {
        text += "\nstopped by Ctrl-C after \(taken) of \(requested) steps; the model is as after step \(step)"
      }
      return text
    }
  }
}
