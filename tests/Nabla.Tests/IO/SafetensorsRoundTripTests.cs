using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Nabla.IO;
using Nabla.Tensors;

namespace Nabla.Tests.IO;

/// <summary>Saving and loading: values, shapes, dtypes and metadata come back as they were; the file is laid
/// out as the format says; a save replaces the previous file atomically.</summary>
public sealed class SafetensorsRoundTripTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("nabla-safetensors-").FullName;
    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static Dictionary<string, Tensor> StateDict() => new()
    {
        ["transformer.wte.weight"] = Tensor.Randn([5, 3], new Generator(1)),
        ["transformer.h.0.ln_1.bias"] = Tensor.FromArray([float.NaN, float.PositiveInfinity, -0f, float.Epsilon, float.MaxValue]),
        ["scalar"] = new Tensor([2.5f], []),
        ["empty"] = Tensor.Zeros(0, 4),
        ["token_ids"] = Tensor.FromArray([0, -1, int.MaxValue, int.MinValue, 42, 7], 2, 3),
        ["transposed"] = Tensor.Arange(6).Reshape(2, 3).Transpose(0, 1), // a view that is not contiguous
        ["ünïcødé 名前 😀"] = Tensor.Ones(2),
    };

    [Fact]
    public void Values_shapes_dtypes_and_metadata_come_back_as_they_were()
    {
        string path = Path.Combine(folder, "model.safetensors");
        var tensors = StateDict();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["step"] = "1200", ["note"] = "a \"quoted\" ünïcødé line\n" };
        Safetensors.Save(path, tensors, metadata);

        var loaded = Safetensors.Load(path);
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), loaded.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, expected) in tensors)
        {
            Tensor actual = loaded.Tensors[name];
            Assert.Equal(expected.DType, actual.DType);
            Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
            if (expected.DType == DType.Int32) Assert.Equal(expected.ToIntArray(), actual.ToIntArray());
            else Assert.Equal(Bits(expected.ToArray()), Bits(actual.ToArray())); // bit for bit: NaN, -0 and subnormals too
        }
        Assert.Equal(metadata, loaded.Metadata);
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);

    [Fact]
    public void The_file_is_laid_out_as_the_format_says()
    {
        string path = Path.Combine(folder, "layout.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor>
        {
            ["b"] = Tensor.FromArray([1f, 2f, 3f]),
            ["a"] = Tensor.FromArray([7, 8], 2, 1),
        }, new Dictionary<string, string> { ["format"] = "pt" });

        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + (int)n) % 8); // the data starts 8-byte aligned
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.EndsWith("}", header.TrimEnd(' ')); // padded with spaces, fewer than 8
        Assert.True(header.Length - header.TrimEnd(' ').Length < 8);
        using var json = JsonDocument.Parse(header);
        var root = json.RootElement;
        Assert.Equal("pt", root.GetProperty("__metadata__").GetProperty("format").GetString());
        // Names in ordinal order: "a" (I32, 8 bytes) first, then "b" (F32, 12 bytes).
        Assert.Equal("I32", root.GetProperty("a").GetProperty("dtype").GetString());
        Assert.Equal([2, 1], root.GetProperty("a").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([0, 8], root.GetProperty("a").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("F32", root.GetProperty("b").GetProperty("dtype").GetString());
        Assert.Equal([8, 20], root.GetProperty("b").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(8 + (int)n + 20, bytes.Length);
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8 + (int)n)));
        Assert.Equal(3f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)n + 16)));
    }

    [Fact]
    public void An_empty_state_dict_is_a_valid_file()
    {
        string path = Path.Combine(folder, "empty.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor>());
        var loaded = Safetensors.Load(path);
        Assert.Empty(loaded.Tensors);
        Assert.Empty(loaded.Metadata);
        Assert.Equal(16, new FileInfo(path).Length); // 8 + "{}" padded to 8
    }

    [Fact]
    public void Saving_replaces_the_previous_file_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(folder, "ckpt.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(1000) });
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.Full(3f, 2) });
        Assert.Equal([3f, 3f], Safetensors.Load(path).Tensors["w"].ToArray());
        Assert.Equal(["ckpt.safetensors"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_save_that_fails_midway_keeps_the_previous_file_whole()
    {
        string path = Path.Combine(folder, "ckpt.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.Full(5f, 3) });
        byte[] before = File.ReadAllBytes(path);

        // The writer fails after some bytes are out, as a full disk or a crash would make it.
        var failure = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[4096]);
            throw new IOException("No space left on device");
        }));
        Assert.Equal("No space left on device", failure.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["ckpt.safetensors"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Names_that_cannot_be_written_are_refused_before_the_file_is_touched()
    {
        string path = Path.Combine(folder, "bad.safetensors");
        var reserved = Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(path, new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Ones(1) }));
        Assert.Contains("__metadata__", reserved.Message);
        var surrogate = Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(path, new Dictionary<string, Tensor> { ["w\uD800"] = Tensor.Ones(1) }));
        Assert.Contains("lone surrogate", surrogate.Message);
        Assert.False(File.Exists(path));
    }
}
