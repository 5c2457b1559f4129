import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae sweep

  struct SweepArguments: CommandArguments {
    @Named(.closed(0, 1000), help: "the KL weights to train, one model each (at most 12)")
    var beta = ScalarOrVector(values: [0.1, 0.5, 1, 2, 4, 8, 16], isVector: true)
    @Named(1...1_000_000, help: "training steps per model") var steps: Int = 1000
    @Named(.path, help: "also write the rate-distortion curve as an SVG file") var svg: String?
  }

  static let sweep = CommandSpec(
    name: "sweep",
    summary: "train one model per beta from the same start: the rate-distortion trade-off and posterior collapse",
    discussion: """
      Each model has the session model's size, data, optimiser and seed, so the
      same initial weights, batches and noise; only beta differs. On held-out
      data: rate = KL and distortion = reconstruction, in nats (Alemi et al.
      2018); active units, dimensions whose encoder mean varies across examples
      with variance above 0.01 (Burda et al. 2016); KL per dimension; mean |mu|
      and sigma; and the spread of decoded prior samples relative to the data's
      (near 0: every sample decodes to the mean image). Posterior collapse is a
      large beta's answer: no active units, mu near 0, sigma near 1. Ctrl-C
      stops with the models finished so far. The session's model is unchanged.
      """,
    arguments: SweepArguments.self,
    examples: ["vae sweep", "vae sweep beta=[0.5, 1, 4, 64] steps=2000 svg=rate-distortion.svg"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let c = workbench.configuration
      guard c.kind == .vae else {
        throw LabError("a plain autoencoder (kind=ae) has no KL term to weigh; make a VAE with vae new")
      }
      let betas = arguments.beta.values
      guard betas.count <= 12 else {
        throw LabError("beta lists \(betas.count) values; vae sweep trains at most 12 models", argument: "beta")
      }
      let optimizer = workbench.trainer.optimizer
      let setup = BetaSweep.Setup(
        configuration: c, optimizer: optimizer.kind, learningRate: optimizer.learningRate,
        batchSize: workbench.trainer.batchSize, seed: workbench.seed)
      let clock = ContinuousClock()
      let started = clock.now
      var lastReport = started
      let sweep = BetaSweep(
        setup: setup, betas: betas, steps: arguments.steps, data: workbench.data, shouldStop: session.shouldStop
      ) { index, taken in
        if let progress = session.progress, clock.now - lastReport > .milliseconds(100) {
          lastReport = clock.now
          progress(
            "model \(index + 1) of \(betas.count) (beta \(NumberFormat.shortest(betas[index]))): step \(taken) of \(arguments.steps)"
          )
        }
      }
      let seconds = (clock.now - started) / .seconds(1)
      if sweep.points.isEmpty && sweep.wasInterrupted { throw .interrupted }
      let title = "rate and distortion on held-out data, \(arguments.steps) steps per beta"
      let (plot, marked) = (rateDistortionPlot(sweep), rateDistortionPlot(sweep, marked: true))
      let figure = Figure(
        title: title, drawing: { _ in plot.terminal(width: 60, height: 12) }, svg: { marked.svg(title: title) })
      if let svg = arguments.svg { try session.files.write(figure.svg(), to: svg) }
      return Output(
        SweepResult(
          steps: arguments.steps, seconds: seconds, interrupted: sweep.wasInterrupted,
          models: sweep.points.map(SweepResult.Model.init), requested: betas.count, figure: figure,
          svg: arguments.svg))
    })

  /// Distortion against rate, one point per beta, joined in beta's order;
  /// with `marked`, each model's point drawn too (for SVG, where the line alone hides them).
  /// The figure is shown for two models or more.
  static func rateDistortionPlot(_ sweep: BetaSweep, marked: Bool = false) -> LinePlot {
    let points = sweep.points.map { ($0.evaluation.kl, $0.evaluation.reconstruction) }
    let models = LinePlot.Series(name: "one model per beta", marker: "b", points: points, isCurve: false)
    return LinePlot(
      series: [LinePlot.Series(name: "held-out, in beta's order", marker: "B", points: points, isCurve: true)]
        + (marked ? [models] : []),
      xLabel: "rate: KL (nats)", yLabel: "distortion: reconstruction (nats)", logX: false, logY: false)
  }

  struct SweepResult: BlockResult {
    struct Model: Encodable {
      var beta: Double
      var rate: Double
      var distortion: Double
      var negativeELBO: Double
      var activeUnits: Int
      var klPerDim: [Double]
      var meanAbsMu: Double
      var meanSigma: Double
      var sampleSpread: Double
      var steps: Int
      var seconds: Double

      enum CodingKeys: String, CodingKey {
        case beta, rate, distortion, negativeELBO = "neg_elbo", activeUnits = "active_units"
        case klPerDim = "kl_per_dim", meanAbsMu = "mean_abs_mu", meanSigma = "mean_sigma"
        case sampleSpread = "sample_spread", steps, seconds
      }

      init(_ point: BetaSweep.Point) {
        let e = point.evaluation
        (beta, rate, distortion, negativeELBO, activeUnits, klPerDim) = (
          point.beta, e.kl, e.reconstruction, e.negativeELBO, e.activeUnits, e.klPerDimension
        )
        (meanAbsMu, meanSigma, sampleSpread, steps, seconds) = (
          point.meanAbsoluteMu, point.meanSigma, point.sampleSpread, point.steps, point.seconds
        )
      }
    }
    var steps: Int
    var seconds: Double
    var interrupted: Bool
    var models: [Model]
    /// The models asked for (more than `models` after Ctrl-C).
    var requested: Int
    var figure: Figure
    /// The SVG file written, if any.
    var svg: String?

    enum CodingKeys: String, CodingKey { case steps, seconds, interrupted, models }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      func n(_ value: Double) -> String { NumberFormat.fixed(value, presentation.precision) }
      var table = TextTable(
        [
          ("beta", .right), ("rate (KL)", .right), ("distortion", .right), ("-ELBO", .right), ("active", .right),
          ("mean |mu|", .right), ("mean sigma", .right), ("sample spread", .right), ("KL per dimension", .left),
        ])
      for model in models {
        table.append([
          NumberFormat.shortest(model.beta), n(model.rate), n(model.distortion), n(model.negativeELBO),
          "\(model.activeUnits) of \(model.klPerDim.count)", n(model.meanAbsMu), n(model.meanSigma),
          n(model.sampleSpread), model.klPerDim.map { NumberFormat.fixed($0, 2) }.joined(separator: " "),
        ])
      }
      let stopped =
        interrupted
        ? "stopped at Ctrl-C: \(models.count) of \(requested) models finished" : "\(models.count) models"
      var blocks: [ResultBlock] = [
        .text(
          "\(stopped), \(steps) steps \(models.allSatisfy { $0.steps == steps } ? "each" : "asked of each") from the same start, in \(NumberFormat.fixed(seconds, 1)) s; held-out figures in nats"
        ),
        .table(table),
        .text(
          "active: encoder-mean variance above 0.01; sample spread: decoded prior samples' spread over the data's (0 = all one image)"
        ),
      ]
      // Training stops at a step whose loss or gradient is not finite (BetaSweep.Point.steps).
      for model in models where model.steps < steps {
        blocks.append(
          .text(
            "beta \(NumberFormat.shortest(model.beta)) stopped after \(model.steps) of \(steps) steps: the next step's loss or gradient was not finite (try a smaller lr with 'vae new'); its figures are the model's after \(model.steps)"
          ))
      }
      if models.count >= 2 { blocks.append(.figure(figure)) }
      if let svg { blocks.append(.text("wrote \(svg)")) }
      return blocks
    }
  }
}
