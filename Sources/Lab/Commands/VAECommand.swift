import NeuralNet
import Probability

/// `vae`: build a small VAE, step it, and look at what it learned.
enum VAECommand {
  static let spec = CommandSpec(
    name: "vae",
    summary: "build, train and inspect a small VAE (vae new, step, show, encode, recon, sample, gradcheck)",
    discussion: """
      The VAE of pytorch/examples: encoder D-H-(mu, logvar) with ReLU, decoder L-H-D,
      loss per example = reconstruction + beta * KL, both summed over dimensions,
      one reparameterised sample z = mu + exp(logvar / 2) * eps per example. Start
      with 'vae new', train with 'vae step', and look with 'vae show'.
      """,
    subcommands: [new, step, show, encode, recon, sample, gradcheck, save, load],
    action: nil)

  /// The workbench, or an error telling the user to make one.
  static func workbench(_ session: Session) throws(LabError) -> VAEWorkbench {
    guard let workbench = session.workbench else {
      throw LabError("no VAE yet: make one with 'vae new' (see help vae)")
    }
    return workbench
  }

  // MARK: vae new

  static let new = CommandSpec(
    name: "new",
    summary: "a fresh VAE on a data set",
    discussion: """
      Built-in data: shapes (16 x 16 images of a square, disc or triangle at a
      random position and scale; Bernoulli likelihood) and pinwheel (points in
      the plane; Gaussian likelihood). Or a file: NPY, CSV or IDX (MNIST's
      format, also gzipped); uint8 values are scaled to [0, 1]. 10% of the
      examples are held out.
      """,
    arguments: [
      ArgumentSpec(
        "data", .path, default: "shapes", positional: true,
        help: "shapes, pinwheel, or a file: .npy (float32, float64, uint8), .csv, IDX (MNIST; also .gz)"),
      ArgumentSpec(
        "label", .word("a CSV column name or 0-based index"), help: "a CSV column to leave out of the values"),
      ArgumentSpec("latent", .integer(1...256), default: "8", help: "latent dimensions L"),
      ArgumentSpec("hidden", .integer(1...4096), default: "128", help: "hidden units H"),
      ArgumentSpec(
        "likelihood", .choice(Likelihood.allCases.map(\.rawValue)),
        help: "p(x|z): bernoulli for data in [0, 1], gaussian (variance 1) for real values (default: the data's)"),
      ArgumentSpec("beta", .real(RealDomain.closed(0, 1000)), default: "1", help: "weight of the KL term"),
      ArgumentSpec(
        "lr", .real(RealDomain(lower: 0, lowerIsInclusive: false, upper: 10, upperIsInclusive: true)), default: "0.001",
        help: "learning rate"),
      ArgumentSpec("batch", .integer(1...4096), default: "64", help: "examples per step"),
      ArgumentSpec("optimizer", .choice(OptimizerKind.allCases.map(\.rawValue)), default: "adam", help: "adam or sgd"),
      ArgumentSpec(
        "kind", .choice(VAEConfiguration.Kind.allCases.map(\.rawValue)), default: "vae",
        help: "vae, or ae for the plain autoencoder"),
      ArgumentSpec(
        "seed", .integer(0...Int.max),
        help: "seed for the weights, batches and noise (default: from the session's stream)"),
    ],
    examples: ["vae new", "vae new shapes latent=2 hidden=256 beta=4", "vae new pinwheel latent=2", "vae new kind=ae"],
    action: { session, arguments throws(LabError) in
      let data = try openData(try arguments.required("data", arguments.text), label: arguments.text("label"))
      let likelihood =
        arguments.text("likelihood").flatMap(Likelihood.init(rawValue:))
        ?? (data.imageSize == nil ? .gaussian : .bernoulli)
      if likelihood == .bernoulli && !data.isUnitInterval {
        throw LabError(
          "the bernoulli likelihood needs data in [0, 1], and \(data.name) is not; use likelihood=gaussian")
      }
      let configuration = VAEConfiguration(
        inputs: data.dimension, hidden: try arguments.required("hidden", arguments.integer),
        latent: try arguments.required("latent", arguments.integer), likelihood: likelihood,
        beta: try arguments.required("beta", arguments.real),
        kind: VAEConfiguration.Kind(rawValue: try arguments.required("kind", arguments.text)) ?? .vae)
      var sessionGenerator = session.generator
      let seed = arguments.integer("seed").map { UInt64($0) } ?? sessionGenerator.next()
      if arguments.integer("seed") == nil { session.generator = sessionGenerator }
      var generator = Xoshiro256StarStar(seed: seed)
      let model = VAE<Float>(configuration, generator: &generator)
      let optimizer = Optimizer<Float>(
        OptimizerKind(rawValue: try arguments.required("optimizer", arguments.text)) ?? .adam,
        learningRate: try arguments.required("lr", arguments.real))
      let trainer = Trainer(
        model: model, optimizer: optimizer, examples: data.training,
        batchSize: try arguments.required("batch", arguments.integer), generator: generator)
      let workbench = VAEWorkbench(data: data, trainer: trainer, seed: seed, label: arguments.text("label"))
      session.workbench = workbench
      return Output(text: describe(workbench), json: json(workbench))
    })

  static func architecture(_ c: VAEConfiguration) -> String {
    c.kind == .vae
      ? "\(c.inputs)-\(c.hidden)-(\(c.latent), \(c.latent)) encoder, \(c.latent)-\(c.hidden)-\(c.inputs) decoder"
      : "\(c.inputs)-\(c.hidden)-\(c.latent) encoder, \(c.latent)-\(c.hidden)-\(c.inputs) decoder (plain autoencoder)"
  }

  static func describe(_ workbench: VAEWorkbench) -> String {
    let c = workbench.configuration
    let data = workbench.data
    let shape = data.imageSize.map { " (\($0.width) x \($0.height) images)" } ?? ""
    return """
      \(c.kind == .vae ? "VAE" : "autoencoder"): \(architecture(c)), \(workbench.model.parameterCount) parameters
      likelihood \(c.likelihood.rawValue)\(c.kind == .vae ? ", beta \(NumberFormat.shortest(c.beta))" : ""); \(workbench.trainer.optimizer.kind.rawValue), lr \(NumberFormat.shortest(workbench.trainer.optimizer.learningRate)), batch \(workbench.trainer.batchSize); seed \(workbench.seed)
      data \(data.name): \(data.trainingCount) training and \(data.heldOutCount) held-out examples of \(data.dimension) values\(shape)
      """
  }

  static func json(_ workbench: VAEWorkbench) -> JSON {
    let c = workbench.configuration
    return .object([
      ("kind", .string(c.kind.rawValue)), ("inputs", .integer(c.inputs)), ("hidden", .integer(c.hidden)),
      ("latent", .integer(c.latent)), ("likelihood", .string(c.likelihood.rawValue)), ("beta", .number(c.beta)),
      ("optimizer", .string(workbench.trainer.optimizer.kind.rawValue)),
      ("lr", .number(workbench.trainer.optimizer.learningRate)), ("batch", .integer(workbench.trainer.batchSize)),
      ("seed", .string(String(workbench.seed))), ("parameters", .integer(workbench.model.parameterCount)),
      ("data", .string(workbench.data.name)), ("training_examples", .integer(workbench.data.trainingCount)),
      ("held_out_examples", .integer(workbench.data.heldOutCount)), ("step", .integer(workbench.trainer.steps)),
    ])
  }

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

  // MARK: vae show

  static let show = CommandSpec(
    name: "show",
    summary: "configuration, losses on training and held-out data, KL per latent dimension, active units, loss curve",
    discussion: """
      Losses are per example in nats, averaged over up to 2048 examples with one
      reparameterised sample each from a fixed seed; ELBO = -(reconstruction + KL).
      Active units follow Burda et al. 2016: latent dimensions whose encoder mean
      varies across held-out examples with variance above 0.01.
      """,
    examples: ["vae show"],
    action: { session, _ throws(LabError) in
      let workbench = try workbench(session)
      let train = workbench.evaluate(workbench.data.training, count: workbench.data.trainingCount)
      let heldOut = workbench.evaluate(workbench.data.heldOut, count: workbench.data.heldOutCount)
      let p = session.precision
      func n(_ value: Double) -> String { NumberFormat.fixed(value, p) }
      var lines = [describe(workbench), "step \(workbench.trainer.steps)"]
      var table = TextTable([
        ("", .left), ("loss", .right), ("ELBO", .right), ("reconstruction", .right), ("KL", .right),
      ])
      table.append(["training", n(train.loss), n(train.elbo), n(train.reconstruction), n(train.kl)])
      table.append(["held-out", n(heldOut.loss), n(heldOut.elbo), n(heldOut.reconstruction), n(heldOut.kl)])
      lines.append(table.rendered)
      if workbench.configuration.kind == .vae {
        lines.append(
          "KL per latent dimension (held-out): "
            + heldOut.klPerDimension.map { NumberFormat.fixed($0, 2) }.joined(separator: " "))
      }
      lines.append(
        "active units: \(heldOut.activeUnits) of \(workbench.configuration.latent) (variance of the encoder mean across held-out examples above 0.01)"
      )
      let history = workbench.history
      if history.count >= 2 {
        let buckets = min(60, history.count)
        let points = (0..<buckets).map { bucket -> (x: Double, y: Double) in
          let range = (bucket * history.count / buckets)..<((bucket + 1) * history.count / buckets)
          let mean = history[range].reduce(0) { $0 + $1.total } / Double(range.count)
          return (Double(range.upperBound), mean)
        }
        let plot = LinePlot(
          series: [LinePlot.Series(name: "training loss per example", marker: "L", points: points, isCurve: true)],
          xLabel: "step", yLabel: "loss (nats)", logX: false, logY: false)
        lines.append(plot.terminal(width: 60, height: 10))
      }
      return Output(
        text: lines.joined(separator: "\n"),
        json: .object([
          ("step", .integer(workbench.trainer.steps)), ("elbo", .number(heldOut.elbo)),
          ("recon", .number(heldOut.reconstruction)), ("kl", .number(heldOut.kl)),
          ("kl_per_dim", .numbers(heldOut.klPerDimension)), ("active_units", .integer(heldOut.activeUnits)),
          (
            "train",
            .object([
              ("elbo", .number(train.elbo)), ("recon", .number(train.reconstruction)), ("kl", .number(train.kl)),
            ])
          ),
          ("config", json(workbench)),
          ("loss_curve", .numbers(history.map(\.total))),
        ]))
    })

  // MARK: vae encode, recon, sample

  static let encode = CommandSpec(
    name: "encode",
    summary: "the encoder's mu and sigma for one held-out example",
    arguments: [
      ArgumentSpec("i", .integer(0...Int.max), default: "0", positional: true, help: "held-out example index")
    ],
    examples: ["vae encode 3"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let row = try heldOutRows(workbench, [try arguments.required("i", arguments.integer)])
      let (mu, logvar) = workbench.model.encode(row)
      var table = TextTable([("dim", .right), ("mu", .right), ("sigma", .right), ("KL", .right)])
      var kls: [Double] = []
      for d in mu.indices {
        let kl = GaussianKL.divergence(mean: Double(mu[d]), logVariance: Double(logvar[d]))
        kls.append(kl)
        table.append([
          "\(d)", NumberFormat.fixed(Double(mu[d]), session.precision),
          NumberFormat.fixed(Double.exp(Double(logvar[d]) / 2), session.precision),
          NumberFormat.fixed(kl, session.precision),
        ])
      }
      return Output(
        text: "q(z|x) for held-out example \(arguments.integer("i") ?? 0):\n" + table.rendered,
        json: .object([
          ("mu", .numbers(mu.map(Double.init))), ("sigma", .numbers(logvar.map { Double.exp(Double($0) / 2) })),
          ("kl_per_dim", .numbers(kls)),
        ]))
    })

  static let recon = CommandSpec(
    name: "recon",
    summary: "held-out inputs beside their reconstructions (decoder mean at z = mu)",
    arguments: [
      ArgumentSpec(
        "i", .reals(RealDomain.closed(0, 1e9)), default: "[0, 1, 2, 3]", positional: true,
        help: "held-out example indexes"),
      ArgumentSpec("svg", .path, help: "also write the images as an SVG file"),
    ],
    examples: ["vae recon", "vae recon [5, 9]", "vae recon 0 svg=recon.svg"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let indexes = try (arguments.required("i", arguments.reals)).values.map { Int($0) }
      let rows = try heldOutRows(workbench, indexes)
      let (mu, _) = workbench.model.encode(rows)
      let reconstructions = workbench.model.decode(mu)
      let d = workbench.data.dimension
      var pairs: [(String, [Float])] = []
      for (k, index) in indexes.enumerated() {
        pairs.append(("#\(index) input", Array(rows[(k * d)..<((k + 1) * d)])))
        pairs.append(("#\(index) recon", Array(reconstructions[(k * d)..<((k + 1) * d)])))
      }
      return try pictures(pairs, workbench: workbench, session: session, svg: arguments.text("svg"))
    })

  static let sample = CommandSpec(
    name: "sample",
    summary: "decode K draws z ~ N(0, I): what the model generates",
    arguments: [
      ArgumentSpec("k", .integer(1...64), default: "6", positional: true, help: "how many"),
      ArgumentSpec("seed", .integer(0...Int.max), help: "seed for z (default: the session's random stream)"),
      ArgumentSpec("svg", .path, help: "also write the images as an SVG file"),
    ],
    examples: ["vae sample", "vae sample 12 seed=3"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let count = try arguments.required("k", arguments.integer)
      let seed = arguments.integer("seed")
      var generator = session.generator(commandSeed: seed)
      let z = (0..<(count * workbench.configuration.latent)).map { _ in Float(NormalSampler.next(using: &generator)) }
      let decoded = workbench.model.decode(z)
      let d = workbench.data.dimension
      let output = try pictures(
        (0..<count).map { ("z\($0 + 1)", Array(decoded[($0 * d)..<(($0 + 1) * d)])) }, workbench: workbench,
        session: session, svg: arguments.text("svg"))
      session.keep(generator, drawnWith: seed)
      return output
    })

  // MARK: vae gradcheck

  static let gradcheck = CommandSpec(
    name: "gradcheck",
    summary: "backpropagated gradients against central finite differences, in double precision",
    discussion: """
      Copies the model into double precision and, on 4 held-out examples with
      fixed noise, compares each tensor's backpropagated gradient with
      (L(w + h) - L(w - h)) / 2h, h = 1e-6, at its 12 largest entries.
      The relative error is |a - n| / (|a| + |n|); below about 1e-6 the two agree.
      """,
    examples: ["vae gradcheck"],
    action: { session, _ throws(LabError) in
      let workbench = try workbench(session)
      let configuration = workbench.configuration
      var unused = Xoshiro256StarStar(seed: 0)
      let model = VAE<Double>(configuration, generator: &unused)
      for ((_, source), (_, target)) in zip(workbench.model.layers, model.layers) {
        target.weight = source.weight.map(Double.init)
        target.bias = source.bias.map(Double.init)
      }
      let count = min(4, workbench.data.heldOutCount)
      let x = try heldOutRows(workbench, Array(0..<count)).map(Double.init)
      var generator = Xoshiro256StarStar(seed: 0x6AD)
      let noise = (0..<(count * configuration.latent)).map { _ in NormalSampler.next(using: &generator) }
      _ = model.lossAndGradients(x, noise: noise)
      func loss() -> Double {
        let losses = model.forward(x, noise: noise)
        return losses.reconstruction + configuration.beta * losses.kl
      }
      let h = 1e-6
      var table = TextTable([("tensor", .left), ("entries", .right), ("max relative error", .right)])
      var results: [(String, Double)] = []
      for (name, layer) in model.layers {
        for isWeight in [true, false] {
          let size = isWeight ? layer.weight.count : layer.bias.count
          let analytic = isWeight ? layer.weightGradient : layer.biasGradient
          // The largest gradients: where tiny ones sit below the differences' rounding (eps |L| / h),
          // their ratio measures that noise, not the gradient.
          let checked = Array(analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(12)).sorted()
          var worst = 0.0
          for index in checked {
            func nudge(_ delta: Double) {
              if isWeight { layer.weight[index] += delta } else { layer.bias[index] += delta }
            }
            nudge(h)
            let plus = loss()
            nudge(-2 * h)
            let minus = loss()
            nudge(h)
            let numeric = (plus - minus) / (2 * h)
            let scale = abs(analytic[index]) + abs(numeric)
            worst = max(worst, scale < 1e-10 ? 0 : abs(analytic[index] - numeric) / scale)
          }
          let tensor = "\(name).\(isWeight ? "weight" : "bias")"
          results.append((tensor, worst))
          table.append([tensor, "\(checked.count)", NumberFormat.scientific(worst, 1)])
        }
      }
      let verdict = results.allSatisfy { $0.1 < 1e-5 } ? "gradients agree" : "GRADIENTS DISAGREE"
      return Output(
        text: table.rendered + "\n\(verdict) (double precision, h = 1e-6, relative error |a - n| / (|a| + |n|))",
        json: .object(results.map { ($0.0, .number($0.1)) }))
    })

  // MARK: vae save, load

  static let save = CommandSpec(
    name: "save",
    summary: "write the model as a safetensors checkpoint (loads in PyTorch as pytorch/examples' VAE)",
    discussion: """
      Tensors fc1, fc21, fc22, fc3 and fc4 (weight and bias, float32) with the
      configuration, data set, optimiser settings and step count in __metadata__.
      Written atomically: the previous file survives a crash or Ctrl-C. Adam's
      moments are not saved; training after 'vae load' starts them afresh.
      """,
    arguments: [ArgumentSpec("path", .path, positional: true, required: true, help: "the file, e.g. vae.safetensors")],
    examples: ["vae save vae.safetensors"],
    isRecorded: false,
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let path = try arguments.required("path", arguments.text)
      let optimizer = workbench.trainer.optimizer
      var metadata = [
        "vaelab_data": workbench.data.name, "vaelab_step": String(workbench.trainer.steps),
        "vaelab_optimizer": optimizer.kind.rawValue, "vaelab_lr": String(optimizer.learningRate),
        "vaelab_batch": String(workbench.trainer.batchSize), "vaelab_seed": String(workbench.seed),
      ]
      if let label = workbench.label { metadata["vaelab_label"] = label }
      let bytes = Safetensors.encode(workbench.model, metadata: metadata)
      try FileIO.writeAtomically(bytes: bytes, to: path)
      return Output(
        text: "saved the model at step \(workbench.trainer.steps) to \(path) (\(bytes.count) bytes)",
        json: .object([
          ("path", .string(path)), ("bytes", .integer(bytes.count)), ("step", .integer(workbench.trainer.steps)),
        ]))
    })

  static let load = CommandSpec(
    name: "load",
    summary: "replace the model with one from a vaelab safetensors checkpoint",
    arguments: [ArgumentSpec("path", .path, positional: true, required: true, help: "the checkpoint")],
    examples: ["vae load vae.safetensors"],
    isRecorded: false,
    action: { session, arguments throws(LabError) in
      let path = try arguments.required("path", arguments.text)
      let bytes = try FileIO.readBytes(path)
      let checkpoint: Safetensors.Checkpoint
      do throws(CheckpointError) { checkpoint = try Safetensors.decode(bytes) } catch {
        throw LabError("\(path) was not loaded: \(error.reason); the current model is kept")
      }
      let metadata = checkpoint.metadata
      let data: Dataset
      do throws(LabError) { data = try openData(metadata["vaelab_data"] ?? "", label: metadata["vaelab_label"]) } catch
      {
        throw LabError("\(path) was not loaded: its data (\(error.message)); the current model is kept")
      }
      guard data.dimension == checkpoint.model.configuration.inputs else {
        throw LabError(
          "\(path) was not loaded: its model takes \(checkpoint.model.configuration.inputs) inputs but \(data.name) has \(data.dimension); the current model is kept"
        )
      }
      let seed = metadata["vaelab_seed"].flatMap(UInt64.init) ?? 0
      let optimizer = Optimizer<Float>(
        metadata["vaelab_optimizer"].flatMap(OptimizerKind.init(rawValue:)) ?? .adam,
        learningRate: metadata["vaelab_lr"].flatMap(Double.init) ?? 1e-3)
      let trainer = Trainer(
        model: checkpoint.model, optimizer: optimizer, examples: data.training,
        batchSize: metadata["vaelab_batch"].flatMap(Int.init) ?? 64, generator: Xoshiro256StarStar(seed: seed &+ 1),
        steps: metadata["vaelab_step"].flatMap(Int.init) ?? 0)
      let workbench = VAEWorkbench(data: data, trainer: trainer, seed: seed, label: metadata["vaelab_label"])
      session.workbench = workbench
      return Output(text: "loaded \(path) at step \(trainer.steps)\n" + describe(workbench), json: json(workbench))
    })

  /// A built-in data set by name, or a data file by path (its name is the path).
  static func openData(_ name: String, label: String?) throws(LabError) -> Dataset {
    switch name {
    case "shapes": return BuiltInData.shapes()
    case "pinwheel": return BuiltInData.pinwheel()
    default:
      let bytes = try FileIO.readBytes(name)
      let table: DataLoader.Table
      do throws(DataFileError) { table = try DataLoader.load(name, bytes: bytes, labelColumn: label) } catch {
        throw LabError(error.description)
      }
      let count = table.rows.count / table.dimension
      guard count >= 2 else {
        throw LabError("\(name): it holds \(count) example; a training and a held-out set need at least 2")
      }
      return Dataset(
        name: name, dimension: table.dimension, rows: table.rows, heldOutFraction: 0.1, seed: 1,
        imageSize: table.imageSize)
    }
  }

  static func heldOutRows(_ workbench: VAEWorkbench, _ indexes: [Int]) throws(LabError) -> [Float] {
    let (d, count) = (workbench.data.dimension, workbench.data.heldOutCount)
    var rows: [Float] = []
    for index in indexes {
      guard index >= 0 && index < count else {
        throw LabError("example \(index) does not exist: the held-out set has examples 0 to \(count - 1)")
      }
      rows += workbench.data.heldOut[(index * d)..<((index + 1) * d)]
    }
    return rows
  }

  /// Images side by side (or a table of values for data that are not images), and optionally an SVG.
  static func pictures(
    _ items: [(String, [Float])], workbench: VAEWorkbench, session: Session, svg: String?
  ) throws(LabError) -> Output {
    let json = JSON.object([
      ("items", .array(items.map { .object([("label", .string($0.0)), ("values", .numbers($0.1.map(Double.init)))]) }))
    ])
    guard let size = workbench.data.imageSize else {
      var table = TextTable([("", .left)] + (0..<workbench.data.dimension).map { ("x\($0)", .right) })
      for (label, values) in items {
        table.append([label] + values.map { NumberFormat.fixed(Double($0), session.precision) })
      }
      return Output(text: table.rendered, json: json)
    }
    if let svg { try FileIO.writeAtomically(SVGImages.render(items, width: size.width, height: size.height), to: svg) }
    var rows: [String] = []
    for start in stride(from: 0, to: items.count, by: 4) {
      let chunk = items[start..<min(start + 4, items.count)]
      rows.append(
        TerminalImage.row(
          chunk.map { item in
            (
              item.0, TerminalImage.lines(item.1, width: size.width, height: size.height, colour: session.colour),
              session.colour ? size.width : 2 * size.width
            )
          }))
    }
    if let svg { rows.append("wrote \(svg)") }
    return Output(text: rows.joined(separator: "\n"), json: json)
  }
}
