using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// makemore.py's RNN with a gated recurrent unit for its cell (Cho et al. 2014): gates decide, channel by
/// channel, how much of the state to keep, so gradients survive longer sequences than through tanh alone.
/// </summary>
/// <remarks>
/// The cell is <see cref="GruCell"/>, PyTorch's nn.GRUCell: the reset gate multiplies W_hn h + b_hn, after
/// the product. makemore.py's GRUCell multiplies h before it, W (r ⊙ h), as the paper writes it, and blends
/// with z and 1 − z the other way round. Both are GRUs that train alike; they are not the same function,
/// so a makemore.py GRU checkpoint does not load into this one.
/// </remarks>
public sealed class Gru(MakemoreConfig config, Generator generator)
    : Rnn(config, new GruCell(config.NEmbd, config.NEmbd2, generator: generator), generator);
