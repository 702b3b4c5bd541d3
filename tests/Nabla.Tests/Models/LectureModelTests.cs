using Nabla.Models;
using Nabla.NN;
using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.Models;

/// <summary>The lectures' fixed-context models (Mlp, BatchNormMlp, WaveNet): sizes, shapes, the first loss their
/// initialization gives, and forward and backward against the same network written in libtorch's functions.</summary>
public class LectureModelTests
{
    private static readonly MakemoreConfig Small = new() { BlockSize = 4, NEmbd = 3, NEmbd2 = 6 };

    [Theory]
    [InlineData("mlp", 3, 11_897)]        // 27·10 + 30·200 + 200 + 200·27 + 27, lecture 2's count
    [InlineData("bnmlp", 3, 12_097)]      // no b1; BatchNorm's gain and bias (2·200)
    [InlineData("wavenet", 8, 76_579)]    // lecture 5's count
    public void ParameterCountsAreTheLecturesAndLogitsAreBatchByVocabulary(string type, int block, long parameters)
    {
        MakemoreConfig config = type == "wavenet" ? WaveNet.LectureConfig : new MakemoreConfig();
        CharModel model = MakemoreModels.Create(type, config, new Generator(1));
        Assert.Equal(parameters, model.ParameterCount());
        Assert.Equal(block, model.BlockSize);
        Assert.False(model.PredictsEveryPosition);
        Tensor x = Tensor.RandInt(0, 27, [5, block], new Generator(2));
        Assert.Equal([5, 27], model.Forward(x).Shape.ToArray());
    }

    [Fact]
    public void WaveNetFusesPairsLevelByLevel()
    {
        var model = new WaveNet(WaveNet.LectureConfig, new Generator(3));
        Tensor x = Tensor.RandInt(0, 27, [4, 8], new Generator(4));
        var shapes = new List<string>();
        foreach (var layer in model.Layers.Layers)
        {
            x = layer.Forward(x);
            shapes.Add($"{layer.GetType().Name} {GradCheck.Shape(x)}");
        }
        Assert.Equal(
        [
            "Embedding [4,8,24]",
            "FlattenConsecutive [4,4,48]", "Linear [4,4,128]", "BatchNorm1d [4,4,128]", "Tanh [4,4,128]",
            "FlattenConsecutive [4,2,256]", "Linear [4,2,128]", "BatchNorm1d [4,2,128]", "Tanh [4,2,128]",
            "FlattenConsecutive [4,256]", "Linear [4,128]", "BatchNorm1d [4,128]", "Tanh [4,128]",
            "Linear [4,27]",
        ], shapes);
        Assert.Contains("power of 2", Assert.Throws<ArgumentException>(() => new WaveNet(new MakemoreConfig { BlockSize = 6 }, new Generator(1))).Message);
        Assert.Subset(MakemoreModels.Names.ToHashSet(), new HashSet<string> { "bnmlp", "mlp", "wavenet" });
    }

    /// <summary>The initializations of lectures 3 and 5 make the first guess nearly uniform: a loss near ln 27.
    /// Lecture 2's N(0, 1) output layer would start far above it.</summary>
    [Theory]
    [InlineData("bnmlp")]
    [InlineData("wavenet")]
    [InlineData("mlp")]
    public void FirstLossIsNearUniformGuessing(string type)
    {
        MakemoreConfig config = type == "wavenet" ? WaveNet.LectureConfig : new MakemoreConfig();
        CharModel model = MakemoreModels.Create(type, config, new Generator(5));
        var g = new Generator(6);
        Tensor x = Tensor.RandInt(0, 27, [256, config.BlockSize], g), y = Tensor.RandInt(0, 27, [256], g);
        float loss = model.Forward(x).CrossEntropy(y).Item();
        Assert.InRange(loss, MathF.Log(27f) - 0.05f, MathF.Log(27f) + (type == "mlp" ? 0.25f : 0.05f));
    }

    [Fact]
    public void MlpMatchesLibtorch()
    {
        var model = new Mlp(Small, new Generator(7));
        Tensor x = Tensor.RandInt(0, 27, [5, 4], new Generator(8));
        TorchParity.Check(t => model.Forward(t[0]),
            t => nn.functional.linear(nn.functional.linear(t[1][t[0]].view(5, 12), t[2], t[3]).tanh(), t[4], t[5]),
            [x, .. model.Parameters()], 1e-4);
    }

    [Fact]
    public void BatchNormMlpMatchesLibtorchInTrainingAndEvaluation()
    {
        var model = new BatchNormMlp(Small, new Generator(9));
        Tensor x = Tensor.RandInt(0, 27, [7, 4], new Generator(10));
        using var scope = NewDisposeScope();
        TT runningMean = zeros(6), runningVar = ones(6);
        TT Torch(TT[] t, bool training) => nn.functional.linear(
            nn.functional.batch_norm(nn.functional.linear(t[1][t[0]].view(-1, 12), t[2]), runningMean, runningVar, t[3], t[4], training, model.Norm.Momentum, 1e-5).tanh(),
            t[5], t[6]);
        TorchParity.Check(t => model.Forward(t[0]), t => Torch(t, true), [x, .. model.Parameters()], 1e-4);
        TorchParity.AssertClose("running mean", model.Norm.RunningMean, runningMean, 1e-5);
        model.Eval();
        TorchParity.Check(t => model.Forward(t[0]), t => Torch(t, false), [x, .. model.Parameters()], 1e-4);
    }

    [Fact]
    public void WaveNetMatchesLibtorch()
    {
        var model = new WaveNet(new MakemoreConfig { BlockSize = 8, NEmbd = 5, NEmbd2 = 7 }, new Generator(11));
        Tensor x = Tensor.RandInt(0, 27, [6, 8], new Generator(12));
        using var scope = NewDisposeScope();
        TT Torch(TT[] t)
        {
            TT h = t[1][t[0]];                                          // (B, 8, 5)
            int k = 2;
            for (int level = 0; level < 3; level++, k += 3)
            {
                long b = h.shape[0], time = h.shape[1], c = h.shape[2];
                h = h.reshape(b, time / 2, c * 2);
                if (time / 2 == 1) h = h.squeeze(1);
                h = nn.functional.linear(h, t[k]);
                // PyTorch's BatchNorm1d takes (B, C, T); the lecture's normalizes (B, T, C) over B and T alike.
                TT input = h.dim() == 3 ? h.permute(0, 2, 1) : h;
                TT normed = nn.functional.batch_norm(input, zeros(7), ones(7), t[k + 1], t[k + 2], true, 0.1, 1e-5);
                h = (h.dim() == 3 ? normed.permute(0, 2, 1) : normed).tanh();
            }
            return nn.functional.linear(h, t[k], t[k + 1]);
        }
        TorchParity.Check(t => model.Forward(t[0]), Torch, [x, .. model.Parameters()], 1e-4);
    }
}
