using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;

namespace Nabla.Tests.Tensors;

/// <summary>x[ix] with an int32 tensor, on float and int32 data, as the lectures index datasets and embeddings.</summary>
public class TensorIndexTests
{
    [Fact]
    public void IntegerDataIsSelectedByIntegerIndices()
    {
        // Xtr[ix]: a batch of int32 examples.
        Tensor xtr = Tensor.FromArray([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32], 4, 3);
        Tensor ix = Tensor.FromArray([3, 0, 3]);
        Tensor batch = xtr[ix];
        Assert.Equal(DType.Int32, batch.DType);
        Assert.Equal([3, 3], batch.Shape.ToArray());
        Assert.Equal([30, 31, 32, 0, 1, 2, 30, 31, 32], batch.ToIntArray());
        Assert.Equal([10, 12], xtr.T.IndexSelect(0, Tensor.FromArray([0, 2])).Select(1, 1).ToIntArray());
        Assert.Equal(21, xtr[Tensor.FromArray([2])].Select(1, 1).ItemInt());
    }

    [Fact]
    public void AnEmbeddingTableIndexedByABatchMatchesLibtorch()
    {
        // C[X]: X [B, T] int32, C [V, D] → [B, T, D]; repeated indices add their gradients.
        var g = new Generator(8);
        Tensor c = Tensor.Randn([27, 2], g).RequireGrad();
        Tensor x = Tensor.FromArray([0, 0, 5, 5, 26, 0], 2, 3);
        TorchParity.Check(t => t[0][t[1]], t => t[0][t[1]], c, x);
        GradCheck.Check(t => t[0][x], c);
    }

    [Fact]
    public void BadIndicesAreNamed()
    {
        Tensor c = Tensor.Zeros(5, 2);
        Assert.Contains("Index: index 5 at position 1 is out of range for dimension 0 of size 5",
            Assert.Throws<IndexOutOfRangeException>(() => c[Tensor.FromArray([0, 5])]).Message);
        Assert.Contains("Index: expects an int32 tensor", Assert.Throws<ArgumentException>(() => c[Tensor.Zeros(2)]).Message);
        Assert.Contains("cannot index a scalar", Assert.Throws<ArgumentException>(() => Tensor.Scalar(1f)[Tensor.FromArray([0])]).Message);
    }

    [Fact]
    public void ItemReadsEachDTypeAsItself()
    {
        Assert.Equal(16_777_217, Tensor.FromArray([16_777_217]).ItemInt()); // not representable as a float
        Assert.Equal(2.5f, Tensor.Scalar(2.5f).Item());
        Assert.Contains("Item: expects a float32 tensor", Assert.Throws<ArgumentException>(() => Tensor.FromArray([3]).Item()).Message);
        Assert.Contains("ItemInt: expects an int32 tensor", Assert.Throws<ArgumentException>(() => Tensor.Scalar(3f).ItemInt()).Message);
        Assert.Throws<InvalidOperationException>(() => Tensor.FromArray([1, 2]).ItemInt());
    }

    [Fact]
    public void AParameterMadeInsideAScopeOutlivesIt()
    {
        Tensor w;
        using (new TensorScope())
        {
            using (new TensorScope())
            {
                w = (Tensor.Ones(4) * 0.1f).Detach().RequireGrad();
            }
            Tensor loss = (w * 3f).Sum();
            loss.Backward();
        }
        using (new TensorScope()) _ = Tensor.Ones(4) * 5f;   // would reuse a returned buffer
        Assert.Equal([0.1f, 0.1f, 0.1f, 0.1f], w.ToArray());
        Assert.Equal([3f, 3f, 3f, 3f], w.Grad!.ToArray());
    }
}
