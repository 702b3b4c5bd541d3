using Nabla.IO;
using Nabla.Tensors;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;
using PySafetensors = TorchSharp.PyBridge.Safetensors;

namespace Nabla.Tests.IO;

/// <summary>Files go both ways between Nabla and PyTorch tooling (TorchSharp.PyBridge's safetensors reader and
/// writer, over libtorch tensors): what one writes, the other reads with the same values.</summary>
public sealed class SafetensorsTorchTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("nabla-safetensors-torch-").FullName;
    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void A_file_Nabla_writes_loads_in_PyBridge_with_equal_values()
    {
        string path = Path.Combine(folder, "nabla.safetensors");
        var tensors = new Dictionary<string, Tensor>
        {
            ["transformer.wte.weight"] = Tensor.Randn([7, 4], new Generator(3)),
            ["transformer.h.0.attn.c_attn.bias"] = Tensor.Randn([12], new Generator(4)),
            ["lm_head.weight"] = Tensor.Randn([4, 7], new Generator(5)).Transpose(0, 1), // written row-major from a view
            ["step"] = new Tensor([3f], []),
            ["ids"] = Tensor.FromArray([5, -6, int.MaxValue], 3),
        };
        Nabla.IO.Safetensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });

        using var scope = torch.NewDisposeScope();
        Dictionary<string, TT> loaded = PySafetensors.LoadStateDict(path);
        Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, expected) in tensors)
        {
            TT actual = loaded[name];
            Assert.Equal(expected.Shape.ToArray().Select(s => (long)s), actual.shape);
            if (expected.DType == DType.Int32)
            {
                Assert.Equal(torch.int32, actual.dtype);
                Assert.Equal(expected.ToIntArray(), actual.data<int>().ToArray());
            }
            else
            {
                Assert.Equal(torch.float32, actual.dtype);
                Assert.Equal(expected.ToArray(), actual.data<float>().ToArray());
            }
        }
    }

    [Theory]
    [InlineData(torch.ScalarType.Float32)]
    [InlineData(torch.ScalarType.Float16)]
    [InlineData(torch.ScalarType.BFloat16)]
    [InlineData(torch.ScalarType.Float64)]
    public void A_float_file_PyBridge_writes_loads_in_Nabla_with_equal_values(torch.ScalarType dtype)
    {
        string path = Path.Combine(folder, $"torch-{dtype}.safetensors");
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(11);
        var state = new Dictionary<string, TT>
        {
            ["w"] = (torch.randn([6, 5], generator: generator) * 3).to(dtype),
            ["b"] = torch.tensor(new float[] { 0f, -0f, 1e-3f, 65504f, -1e-7f, float.PositiveInfinity }).to(dtype),
            ["s"] = torch.tensor(2.75f).to(dtype),
            ["e"] = torch.zeros([0, 3]).to(dtype),
        };
        PySafetensors.SaveStateDict(path, state);

        var loaded = Nabla.IO.Safetensors.Load(path);
        foreach (var (name, expected) in state)
        {
            Tensor actual = loaded.Tensors[name];
            Assert.Equal(DType.Float32, actual.DType);
            Assert.Equal(expected.shape, actual.Shape.ToArray().Select(s => (long)s));
            // libtorch's own widening to float32 (exact for F16 and BF16, rounding for F64) is the expected value.
            float[] want = expected.numel() == 0 ? [] : expected.to(torch.float32).contiguous().data<float>().ToArray(); // ToArray fails on an empty tensor
            Assert.Equal(want.Select(BitConverter.SingleToInt32Bits), actual.ToArray().Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [InlineData(torch.ScalarType.Int32)]
    [InlineData(torch.ScalarType.Int64)]
    public void An_integer_file_PyBridge_writes_loads_in_Nabla_as_int32(torch.ScalarType dtype)
    {
        string path = Path.Combine(folder, $"torch-{dtype}.safetensors");
        using var scope = torch.NewDisposeScope();
        int[] values = [0, 1, -1, 50256, int.MaxValue, int.MinValue];
        PySafetensors.SaveStateDict(path, new Dictionary<string, TT> { ["ids"] = torch.tensor(values, [2, 3]).to(dtype) });

        Tensor ids = Nabla.IO.Safetensors.Load(path).Tensors["ids"];
        Assert.Equal(DType.Int32, ids.DType);
        Assert.Equal([2, 3], ids.Shape.ToArray());
        Assert.Equal(values, ids.ToIntArray());
    }
}
