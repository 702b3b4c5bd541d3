using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

public class FormattingTests
{
    [Fact]
    public void SmallTensorsPrintLikePyTorchWithShapeAndDType()
    {
        Tensor x = Tensor.FromArray([1.5f, -2f, 0.25f, 3f], 2, 2);
        Assert.Equal("tensor([[ 1.5000, -2.0000],\n        [ 0.2500,  3.0000]], shape=[2, 2], dtype=float32)", x.ToString());
        Assert.Equal("tensor([0., 1., 2.], shape=[3], dtype=float32)", Tensor.Arange(3).ToString());
        Assert.Equal("tensor([1, 2], shape=[2], dtype=int32)", Tensor.FromArray([1, 2]).ToString());
        Assert.Equal("tensor(3., shape=[], dtype=float32)", Tensor.Scalar(3f).ToString());
        Assert.EndsWith("requires_grad=True)", Tensor.Ones(1).RequireGrad().ToString());
        Assert.EndsWith("grad_fn=<Mul>)", (Tensor.Ones(1).RequireGrad() * 2f).ToString());
    }

    [Fact]
    public void LargeTensorsAreSummarized()
    {
        string text = Tensor.Arange(2000).Reshape(40, 50).ToString();
        Assert.Contains("...", text);
        Assert.Contains("1999.", text);
        Assert.DoesNotContain("1000.", text);
        Assert.Equal(7, text.Split('\n').Length); // 3 rows, "...", 3 rows
    }

    [Fact]
    public void TinyOrHugeValuesUseScientificNotation()
    {
        Assert.Contains("e-05", Tensor.FromArray([1e-5f, 1f]).ToString());
        Assert.Contains("e+09", Tensor.FromArray([1e9f]).ToString());
    }
}
