using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;

namespace Nabla.Tests.Tensors.Fused;

/// <summary>One-hot, embedding, index select and cross-entropy: values, errors naming index and bound.</summary>
public class IndexOpTests
{
    [Fact]
    public void OneHotMatchesLibtorch()
    {
        Tensor indices = Tensor.FromArray([2, 0, 4, 4, 1, 3], 2, 3);
        Tensor nabla = Tensor.OneHot(indices, 6);
        using var scope = torch.NewDisposeScope();
        var expected = torch.nn.functional.one_hot(TorchParity.ToTorch(indices), 6);
        Assert.Equal(DType.Float32, nabla.DType);
        TorchParity.AssertClose("one-hot", nabla, expected, 0);
        Assert.Equal([2, 3, 5], Tensor.OneHot(indices).Shape.ToArray());   // numClasses from the largest index
    }

    [Fact]
    public void OutOfRangeIndicesNameTheIndexAndTheBound()
    {
        Tensor weight = Tensor.Randn([5, 3], new Generator(1));
        var embedding = Assert.Throws<IndexOutOfRangeException>(() => Tensor.Embedding(Tensor.FromArray([1, 7, 2], 3), weight));
        Assert.Contains("Embedding: index 7 at position 1", embedding.Message);
        Assert.Contains("size 5", embedding.Message);

        var select = Assert.Throws<IndexOutOfRangeException>(() => weight.IndexSelect(1, Tensor.FromArray([0, -1], 2)));
        Assert.Contains("IndexSelect: index -1 at position 1", select.Message);
        Assert.Contains("dimension 1 of size 3", select.Message);

        var oneHot = Assert.Throws<IndexOutOfRangeException>(() => Tensor.OneHot(Tensor.FromArray([0, 3], 2), 3));
        Assert.Contains("OneHot: index 3 at position 1 is out of range for 3 classes", oneHot.Message);

        var loss = Assert.Throws<IndexOutOfRangeException>(() => weight.CrossEntropy(Tensor.FromArray([0, 1, 2, 0, 9], 5)));
        Assert.Contains("CrossEntropy: target 9 at position 4 is out of range for 3 classes", loss.Message);
    }

    [Fact]
    public void WrongShapesAndDtypesAreNamed()
    {
        Tensor logits = Tensor.Zeros(2, 3, 4);
        var ex = Assert.Throws<ArgumentException>(() => logits.CrossEntropy(Tensor.ZerosInt(2, 3)));
        Assert.Contains("CrossEntropy: expects logits [N, C] and targets [N], got logits [2,3,4] and targets [2,3]", ex.Message);
        Assert.Contains("reshape", ex.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).CrossEntropy(Tensor.Zeros(2)));   // float targets
        var ln = Assert.Throws<ArgumentException>(() => Tensor.LayerNorm(Tensor.Zeros(2, 4), Tensor.Ones(3), null));
        Assert.Contains("LayerNorm: weight [3] must be [4]", ln.Message);
    }

    [Fact]
    public void CrossEntropyOverOnlyIgnoredRowsIsNaNAndSendsNoGradient()
    {
        Tensor logits = Tensor.Randn([3, 4], new Generator(3)).RequireGrad();
        Tensor loss = logits.CrossEntropy(Tensor.FromArray([-100, -100, -100], 3));
        Assert.True(float.IsNaN(loss.Item()));
        loss.Backward();
        Assert.All(logits.Grad!.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void EmbeddingGradientAddsUpRepeatedIndices()
    {
        // Index 2 appears three times: its row receives the sum of three output-gradient rows.
        Tensor weight = Tensor.Zeros(4, 2).RequireGrad();
        Tensor y = Tensor.Embedding(Tensor.FromArray([2, 0, 2, 2], 4), weight);
        y.Backward(Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], 4, 2));
        Assert.Equal([3f, 4f, 0f, 0f, 13f, 16f, 0f, 0f], weight.Grad!.ToArray());
    }

    [Fact]
    public void SoftmaxAndCrossEntropyAtGptSizeMatchLibtorch()
    {
        // A small GPT's attention scores and logits, through the parallel kernels, inside a TensorScope.
        var g = new Generator(11);
        Tensor scores = (Tensor.Randn([12, 64, 65], g) * 4f).Detach().RequireGrad();
        using (new TensorScope())
            TorchParity.Check(x => x[0].Softmax(-1), x => x[0].softmax(-1), [scores], 2e-5);
        Tensor logits = (Tensor.Randn([768, 65], g) * 3f).Detach().RequireGrad();
        Tensor targets = Tensor.RandInt(0, 65, [768], g);
        TorchParity.Check(x => x[0].CrossEntropy(x[1]), x => torch.nn.functional.cross_entropy(x[0], x[1]), [logits, targets], 2e-5);
    }
}

/// <summary>Edge shapes of the softmax family: a scalar, an empty batch, and dims given from the end.</summary>
public class SoftmaxEdgeTests
{
    [Fact]
    public void ScalarSoftmaxIsOneAndLogSoftmaxIsZero()
    {
        Tensor x = Tensor.Scalar(3.5f).RequireGrad();
        Tensor y = x.Softmax(0);
        Assert.Equal(0, y.Rank);
        Assert.Equal(1f, y.Item());
        Assert.Equal(0f, x.LogSoftmax(-1).Item());
        y.Backward();
        Assert.Equal(0f, x.Grad!.Item());
    }

    [Fact]
    public void EmptyBatchGivesAnEmptyResult()
    {
        Tensor y = Tensor.Zeros(0, 5).Softmax(-1);
        Assert.Equal([0, 5], y.Shape.ToArray());
        Assert.Equal([0, 5], Tensor.LayerNorm(Tensor.Zeros(0, 5), null, null).Shape.ToArray());
    }

    [Fact]
    public void IntegerInputIsRejectedNamingTheOperation()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.ZerosInt(2, 3).Softmax(-1));
        Assert.Contains("Softmax: expects a float32 tensor, got int32 [2,3]", ex.Message);
        var dim = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Softmax(2));
        Assert.Contains("Softmax: dimension 2 is out of range", dim.Message);
    }
}
