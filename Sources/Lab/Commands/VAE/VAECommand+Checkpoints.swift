import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae save, load

  static let save = CommandSpec(
    name: "save",
    summary: "write the model as a safetensors checkpoint (loads in PyTorch as pytorch/examples' VAE)",
    discussion: """
      Tensors fc1, fc21, fc22, fc3 and fc4 (weight and bias, float32), the names
      of pytorch/examples' VAE; a deeper stack has encoder.i and decoder.i in
      place of fc1 and fc3. The configuration, data set, optimiser settings and
      step count travel in __metadata__.
      Written atomically: the previous file survives a crash or Ctrl-C. Adam's
      moments are not saved; training after 'vae load' starts them afresh.
      """,
    arguments: SaveArguments.self,
    examples: ["vae save vae.safetensors"],
    isRecorded: false,
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let path = arguments.path
      let optimizer = workbench.trainer.optimizer
      var metadata = [
        "vaelab_data": workbench.data.name, "vaelab_step": String(workbench.trainer.steps),
        "vaelab_optimizer": optimizer.kind.rawValue, "vaelab_lr": String(optimizer.learningRate),
        "vaelab_batch": String(workbench.trainer.batchSize), "vaelab_seed": String(workbench.seed),
      ]
      if let label = workbench.label { metadata["vaelab_label"] = label }
      // What vae load would refuse is not written: a data file's path past 1024 characters, say.
      do throws(CheckpointError) { try Safetensors.validate(metadata: metadata) } catch {
        throw LabError("the model was not saved, as vae load could not read it back: \(error.reason)")
      }
      let bytes = Safetensors.encode(workbench.model, metadata: metadata)
      try session.files.write(bytes, to: path)
      return Output(SavedModel(path: path, bytes: bytes.count, step: workbench.trainer.steps))
    })

  struct SavedModel: CommandResult {
    var path: String
    var bytes: Int
    var step: Int

    func text(for presentation: Presentation) -> String {
      "saved the model at step \(step) to \(path) (\(bytes) bytes)"
    }
  }

  struct SaveArguments: CommandArguments {
    @Positional(.path, help: "the file, e.g. vae.safetensors") var path: String
  }

  struct LoadArguments: CommandArguments {
    @Positional(.path, help: "the checkpoint") var path: String
  }

  static let load = CommandSpec(
    name: "load",
    summary: "replace the model with one from a vaelab safetensors checkpoint",
    arguments: LoadArguments.self,
    examples: ["vae load vae.safetensors"],
    action: { session, arguments throws(LabError) in
      let workbench = try loadedWorkbench(arguments.path, session: session)
      session.workbench = workbench
      return Output(
        ModelSummary(workbench, heading: "loaded \(arguments.path) at step \(workbench.trainer.steps)"))
    })

  /// A workbench from a vaelab checkpoint: its model, the data it names
  /// (reopened), and its optimiser, batch, seed and step, each checked against
  /// what vae new accepts. Errors say the current model is kept.
  static func loadedWorkbench(_ path: String, session: Session) throws(LabError) -> VAEWorkbench {
    let bytes = try session.files.readBytes(path, shouldStop: session.shouldStop)
    let checkpoint: Safetensors.Checkpoint
    do throws(CheckpointError) { checkpoint = try Safetensors.decode(bytes, shouldStop: session.shouldStop) } catch {
      if error == .interrupted { throw .interrupted }
      throw LabError("\(path) was not loaded: \(error.reason); the current model is kept")
    }
    let metadata = checkpoint.metadata
    let data: Dataset
    do throws(LabError) {
      data = try openData(metadata["vaelab_data"] ?? "", label: metadata["vaelab_label"], session: session)
    } catch {
      if error == .interrupted { throw error }
      throw LabError("\(path) was not loaded: its data (\(error.message)); the current model is kept")
    }
    if checkpoint.model.configuration.likelihood == .bernoulli && !data.isUnitInterval {
      throw LabError(
        "\(path) was not loaded: its likelihood is bernoulli, which needs data in [0, 1], and \(data.name) is not; the current model is kept"
      )
    }
    guard data.dimension == checkpoint.model.configuration.inputs else {
      throw LabError(
        "\(path) was not loaded: its model takes \(checkpoint.model.configuration.inputs) inputs but \(data.name) has \(data.dimension); the current model is kept"
      )
    }
    // Each field, where present, must lie in the range vae new accepts; absent, it takes vae new's default.
    func field<T>(_ key: String, _ fallback: T, _ allowed: String, _ parse: (String) -> T?) throws(LabError) -> T {
      guard let text = metadata[key] else { return fallback }
      guard let value = parse(text) else {
        throw LabError(
          "\(path) was not loaded: its \(key) is '\(text)', not \(allowed); the current model is kept")
      }
      return value
    }
    let seed = try field("vaelab_seed", UInt64(0), "a whole number from 0") { UInt64($0) }
    let kind = try field("vaelab_optimizer", OptimizerKind.adam, "adam or sgd") { OptimizerKind(rawValue: $0) }
    let lr = try field("vaelab_lr", 1e-3, "a learning rate > 0 and <= 10") { text in
      Double(text).flatMap { $0 > 0 && $0 <= 10 ? $0 : nil }
    }
    let batch = try field("vaelab_batch", 64, "a batch size from 1 to 4096") { text in
      Int(text).flatMap { (1...4096).contains($0) ? $0 : nil }
    }
    let step = try field("vaelab_step", 0, "a step count from 0 to 1000000000000") { text in
      Int(text).flatMap { (0...1_000_000_000_000).contains($0) ? $0 : nil }
    }
    do throws(LabError) { try requireMemory(for: checkpoint.model.configuration, batchSize: batch) } catch {
      throw LabError("\(path) was not loaded: \(error.message); the current model is kept")
    }
    let trainer = Trainer(
      model: checkpoint.model, optimizer: Optimizer<Float>(kind, learningRate: lr), examples: data.training,
      batchSize: batch, generator: Xoshiro256StarStar(seed: seed &+ 1), steps: step)
    return VAEWorkbench(data: data, trainer: trainer, seed: seed, label: metadata["vaelab_label"])
  }
}
