import NeuralNet

/// A VAE under study: its data, its trainer, and the losses of every step so far.
/// Lives in the session; commands train it and look at it.
public final class VAEWorkbench: @unchecked Sendable {
  public let data: Dataset
  public let trainer: Trainer<Float>
  public let seed: UInt64
  /// The CSV label column left out of the data, if any, so a checkpoint can reopen it.
  public let label: String?
  /// Per-example training losses of each step taken.
  public private(set) var history: [VAE<Float>.Losses] = []

  public var model: VAE<Float> { trainer.model }
  public var configuration: VAEConfiguration { model.configuration }

  init(data: Dataset, trainer: Trainer<Float>, seed: UInt64, label: String? = nil) {
    self.data = data
    self.trainer = trainer
    self.seed = seed
    self.label = label
  }

  func record(_ losses: VAE<Float>.Losses) { history.append(losses) }
}
