import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae curves

  static let curves = CommandSpec(
    name: "curves",
    summary: "train copies of this model N steps with each gradient estimator and plot their held-out -ELBO",
    discussion: """
      Three copies of the current model, trained side by side from its weights
      with a fresh optimizer (the model's kind and learning rate), the same
      batches and the same noise: one with the pathwise estimator (the
      reparameterisation, what 'vae step' uses), one with the score function, one
      with the score function less a leave-one-out baseline over the batch. Only
      the encoder's gradient differs; the decoder's is the same for all. The
      held-out -ELBO of each is plotted every K steps (svg=PATH writes the plot).
      The model itself is not changed.
      """,
    arguments: CurvesArguments.self,
    examples: ["vae curves 500", "vae curves 2000 every=100 svg=curves.svg"],
    action: runCurves)

  struct CurvesArguments: CommandArguments {
    @Positional(name: "n", 1...100_000, help: "steps each copy takes") var steps: Int = 500
    @Named(1...100_000, help: "evaluate the held-out -ELBO every K steps (default: about 40 points)")
    var every: Int?
    @Named(0...Int.max, help: "seed for the batches and noise shared by the copies (default: the session's stream)")
    var seed: Int?
    @Named(.path, help: "write the plot as an SVG file") var svg: String?
  }

  static func runCurves(_ session: inout Session, _ arguments: CurvesArguments) throws(LabError) -> Output {
    let workbench = try workbench(session)
    guard workbench.configuration.kind == .vae else {
      throw LabError("a plain autoencoder (kind=ae) has no q(z|x), so nothing for the estimators to differ on")
    }
    let every = arguments.every ?? max(1, arguments.steps / 40)
    var generator = session.generator(commandSeed: arguments.seed)
    let seed = generator.next()
    let trainer = workbench.trainer
    let setup = TrainingCurves.Setup(
      examples: trainer.examples, heldOut: workbench.data.heldOut, batchSize: trainer.batchSize,
      optimizer: trainer.optimizer.kind, learningRate: trainer.optimizer.learningRate)
    let clock = ContinuousClock()
    var lastReport = clock.now
    let curves: TrainingCurves
    do throws(Interrupted) {
      curves = try TrainingCurves(
        model: workbench.model, setup: setup, estimators: LatentGradientEstimator.allCases, steps: arguments.steps,
        every: every, seed: seed, shouldStop: session.shouldStop,
        progress: { fraction in
          guard let progress = session.progress, clock.now - lastReport > .milliseconds(100) else { return }
          lastReport = clock.now
          progress("vae curves: \(Int(fraction * 100))%")
        })
    } catch {
      throw .interrupted
    }
    session.keep(generator, drawnWith: arguments.seed)
    let result = CurvesResult(
      from: workbench.trainer.steps, steps: arguments.steps, every: every, curves: curves, svg: arguments.svg)
    if let path = arguments.svg { try session.files.write(result.figure.svg(), to: path) }
    return Output(result)
  }

  /// What `vae curves` reports: each estimator's held-out -ELBO along the way.
  struct CurvesResult: BlockResult {
    struct Point: Encodable {
      var step: Int
      var negativeELBO: Double
      enum CodingKeys: String, CodingKey { case step, negativeELBO = "neg_elbo" }
    }

    struct Curve: Encodable {
      var points: [Point]
      @Nullable var stoppedAt: Int?
      enum CodingKeys: String, CodingKey { case points, stoppedAt = "stopped_at" }
    }

    /// The model's step count when the copies were made.
    var from: Int
    var steps: Int
    var every: Int
    var curves: JSONMembers<Curve>
    /// The SVG file written, if any.
    var svg: String?

    enum CodingKeys: String, CodingKey { case from, steps, every, curves }

    init(from: Int, steps: Int, every: Int, curves: TrainingCurves, svg: String?) {
      (self.from, self.steps, self.every, self.svg) = (from, steps, every, svg)
      self.curves = JSONMembers(
        curves.curves.map { curve in
          (
            curve.estimator.rawValue,
            Curve(
              points: curve.points.map { Point(step: $0.step, negativeELBO: $0.negativeELBO) },
              stoppedAt: curve.stoppedAt)
          )
        })
    }

    /// One curve per estimator, marked by its initial: P, S, B.
    var figure: Figure {
      let markers: [String: Character] = ["pathwise": "P", "score": "S", "score+baseline": "B"]
      let plot = LinePlot(
        series: curves.members.map { name, curve in
          LinePlot.Series(
            name: name, marker: markers[name] ?? "?",
            points: curve.points.map { (Double($0.step), $0.negativeELBO) }, isCurve: true)
        },
        xLabel: "steps from step \(from)", yLabel: "held-out -ELBO (nats)", logX: false, logY: false)
      return Figure(
        plot, title: "held-out -ELBO of copies of the model trained with each estimator", width: 60, height: 14)
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      func n(_ value: Double) -> String { NumberFormat.fixed(value, presentation.precision) }
      var table = TextTable([("estimator", .left), ("start", .right), ("end", .right), ("", .left)])
      for (name, curve) in curves.members {
        let note = curve.stoppedAt.map { "stopped at step \($0): a loss or gradient was not finite" } ?? ""
        table.append([name, n(curve.points.first?.negativeELBO ?? 0), n(curve.points.last?.negativeELBO ?? 0), note])
      }
      return [
        .text(
          "held-out -ELBO per example of copies of the model (from step \(from)) trained \(steps) steps with each estimator of the encoder's gradient; same start, batches and noise:"
        ),
        .table(table), .figure(figure),
      ] + (svg.map { [.text("wrote \($0)")] } ?? [])
    }
  }
}
