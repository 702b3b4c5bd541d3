using System.Buffers.Binary;
using Nabla.Tensors;
using static Nabla.Tests.IO.SafetensorsBytes;

namespace Nabla.Tests.IO;

/// <summary>Every way a file can break the format is refused with an <see cref="InvalidDataException"/> that
/// names the file and says what is wrong; F16, BF16, F64 and I64 are decoded from known bit patterns.</summary>
public class SafetensorsDamagedFileTests
{
    private static readonly byte[] Six = Floats(1, 2, 3, 4, 5, 6);

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    [Fact]
    public void A_valid_hand_made_file_loads_which_makes_the_cases_below_meaningful()
    {
        var file = Load(File("{" + Entry("a", "F32", "[2,1]", 0, 8) + "," + Entry("b", "F32", "[4]", 8, 24) + "}   ", Six));
        Assert.Equal([1f, 2f], file.Tensors["a"].ToArray());
        Assert.Equal([3f, 4f, 5f, 6f], file.Tensors["b"].ToArray());
        Assert.Equal(["a", "b"], file.Tensors.Keys); // in the order of their bytes
    }

    [Theory]
    [InlineData(0, "shorter than the 8-byte header length")]
    [InlineData(7, "shorter than the 8-byte header length")]
    public void A_file_shorter_than_the_length_field(int length, string expected) =>
        Assert.Contains(expected, Refused(new byte[length]));

    [Fact]
    public void A_header_length_past_the_end_of_the_file() =>
        Assert.Contains("runs past the end of the file", Refused(File(1000, "{}", [])));

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 63)]
    public void An_absurd_header_length_is_refused_before_anything_is_allocated(ulong length) =>
        Assert.Contains("over the limit of 100000000 bytes", Refused(File(length, "{}", [])));

    [Theory]
    [InlineData("", "does not start with '{'")]
    [InlineData(" {}", "does not start with '{'")]
    [InlineData("[]", "does not start with '{'")]
    [InlineData("{", "not valid JSON")]
    [InlineData("{\"a\":}", "not valid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",}}", "not valid JSON")]
    [InlineData("{} x", "not valid JSON")]
    [InlineData("{}{}", "not valid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]}}", "which takes 4 bytes")]
    [InlineData("{\"a\":1}", "tensor 'a' is a number, not an object")]
    [InlineData("{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}", "lacks 'dtype'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "lacks 'shape'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "lacks 'data_offsets'")]
    [InlineData("{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", "dtype is a number, not a string")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "has 'dtype' twice")]
    [InlineData("{\"__metadata__\":[\"x\"]}", "__metadata__ is an array, not an object")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", "__metadata__ entry 'k' is a number, not a string")]
    [InlineData("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", "has the key 'k' twice")]
    [InlineData("{\"a\\ud800\":{}}", "invalid string")]
    public void A_malformed_header(string header, string expected) =>
        Assert.Contains(expected, Refused(File(header, [])));

    [Fact]
    public void A_header_that_is_not_UTF8() =>
        Assert.Contains("not valid UTF-8", Refused(File(4, "{\"\"}", []).Select((b, i) => i == 9 ? (byte)0xFF : b).ToArray()));

    [Theory]
    [InlineData("F31", "unknown dtype 'F31'")]
    [InlineData("f32", "unknown dtype 'f32'")]
    [InlineData("0", "unknown dtype '0'")]
    [InlineData("float32", "unknown dtype 'float32'")]
    [InlineData("U8", "dtype U8, which Nabla does not read")]
    [InlineData("BOOL", "dtype BOOL, which Nabla does not read")]
    public void An_unknown_or_unsupported_dtype(string dtype, string expected) =>
        Assert.Contains(expected, Refused(File("{" + Entry("a", dtype, "[4]", 0, 4) + "}", new byte[4])));

    [Fact]
    public void A_name_given_twice() =>
        Assert.Contains("the name 'a' appears twice", Refused(File("{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("a", "F32", "[1]", 4, 8) + "}", Floats(1, 2))));

    [Theory]
    [InlineData("[-1]", "is negative (-1)")]
    [InlineData("[2.0]", "is 2.0, not an integer")]
    [InlineData("[1e1]", "is 1e1, not an integer")]
    [InlineData("[99999999999999999999]", "not an integer that fits 64 bits")]
    [InlineData("[\"2\"]", "is a string, not a number")]
    [InlineData("[3000000000]", "a dimension of size 3000000000")]
    [InlineData("[65536,65536]", "more than the 2147483591 elements")]
    [InlineData("[2147483647,2147483647,2147483647,2147483647]", "more than the 2147483591 elements")]
    [InlineData("[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", "more than 64 dimensions")]
    [InlineData("[5]", "which takes 20 bytes, but data_offsets [0, 24] hold 24")]
    [InlineData("[2,2]", "which takes 16 bytes")]
    public void A_shape_that_is_invalid_or_disagrees_with_the_offsets(string shape, string expected) =>
        Assert.Contains(expected, Refused(File("{" + Entry("a", "F32", shape, 0, 24) + "}", Six)));

    [Theory]
    [InlineData("[0]", "1 data_offsets instead of two")]
    [InlineData("[0,4,8]", "more than two data_offsets")]
    [InlineData("[8,4]", "end before they begin")]
    [InlineData("[-4,0]", "is negative (-4)")]
    public void Malformed_offsets(string offsets, string expected) =>
        Assert.Contains(expected, Refused(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsets + "}}", Floats(1, 2))));

    [Fact]
    public void Offsets_past_the_end_of_the_data() =>
        Assert.Contains("past the end of the data (24 bytes)", Refused(File("{" + Entry("a", "F32", "[8]", 0, 32) + "}", Six)));

    [Fact]
    public void Offsets_past_the_end_near_the_largest_long_do_not_overflow() =>
        Assert.Contains("past the end of the data", Refused(File("{" + Entry("a", "F32", "[1]", long.MaxValue - 4, long.MaxValue) + "}", Six)));

    [Fact]
    public void Overlapping_tensors() =>
        Assert.Contains("tensor 'b' (data_offsets [4, 24]) overlaps tensor 'a', which ends at 8",
            Refused(File("{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[5]", 4, 24) + "}", Six)));

    [Fact]
    public void Two_tensors_on_the_same_bytes() =>
        Assert.Contains("overlaps", Refused(File("{" + Entry("a", "F32", "[6]", 0, 24) + "," + Entry("b", "F32", "[6]", 0, 24) + "}", Six)));

    [Fact]
    public void A_gap_between_tensors() =>
        Assert.Contains("tensor 'b' begins at 12, leaving bytes [8, 12) that no tensor holds",
            Refused(File("{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[3]", 12, 24) + "}", Six)));

    [Fact]
    public void A_gap_before_the_first_tensor() =>
        Assert.Contains("leaving bytes [0, 4)", Refused(File("{" + Entry("a", "F32", "[5]", 4, 24) + "}", Six)));

    [Fact]
    public void Trailing_bytes_after_the_last_tensor() =>
        Assert.Contains("8 trailing bytes after the last tensor", Refused(File("{" + Entry("a", "F32", "[4]", 0, 16) + "}", Six)));

    [Fact]
    public void Data_without_any_tensor_is_trailing_bytes() =>
        Assert.Contains("24 trailing bytes", Refused(File("{}", Six)));

    [Fact]
    public void An_I64_value_that_does_not_fit_int32() =>
        Assert.Contains("holds 4294967296 at element 1, which does not fit the int32",
            Refused(File("{" + Entry("ids", "I64", "[2]", 0, 16) + "}", Int64s(5, 1L << 32))));

    [Fact]
    public void Empty_and_rank_0_tensors_are_valid_and_take_no_or_one_element()
    {
        var file = Load(File("{" + Entry("e", "F32", "[3,0]", 0, 0) + "," + Entry("s", "F32", "[]", 0, 4) + "," + Entry("z", "F16", "[0]", 4, 4) + "}", Floats(9)));
        Assert.Equal([3, 0], file.Tensors["e"].Shape.ToArray());
        Assert.Equal(9f, file.Tensors["s"].Item());
        Assert.Equal(0, file.Tensors["s"].Rank);
        Assert.Equal(0, file.Tensors["z"].Count);
    }

    [Fact]
    public void Unknown_fields_of_an_entry_are_ignored_as_the_reference_does() =>
        Assert.Equal([1f], Load(File("{\"a\":{\"dtype\":\"F32\",\"x\":{\"y\":[1,{}]},\"shape\":[1],\"data_offsets\":[0,4]},\"__metadata__\":null}", Floats(1))).Tensors["a"].ToArray());

    [Fact]
    public void F16_bit_patterns_decode_exactly()
    {
        // 1, -2, 65504 (largest), 2^-24 (smallest subnormal), 2^-14 (smallest normal), +inf, -0, 1/3 rounded, NaN
        ushort[] bits = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x7C00, 0x8000, 0x3555, 0x7E00];
        float[] expected = [1f, -2f, 65504f, MathF.Pow(2, -24), MathF.Pow(2, -14), float.PositiveInfinity, -0f, 0.333251953125f, float.NaN];
        float[] actual = Load(File("{" + Entry("h", "F16", "[9]", 0, 18) + "}", UInt16s(bits))).Tensors["h"].ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits).Take(8), actual.Select(BitConverter.SingleToInt32Bits).Take(8));
        Assert.True(float.IsNaN(actual[8]));
    }

    [Fact]
    public void BF16_bit_patterns_decode_exactly()
    {
        // bfloat16 is the upper 16 bits of a float32.
        ushort[] bits = [0x3F80, 0xC000, 0x7F7F, 0x0001, 0x7F80, 0x8000, 0x3EAB, 0x7FC0];
        float[] expected = [1f, -2f, 3.3895314e38f, BitConverter.Int32BitsToSingle(0x00010000), float.PositiveInfinity, -0f, 0.333984375f, BitConverter.Int32BitsToSingle(0x7FC00000)]; // a quiet NaN, bits kept
        float[] actual = Load(File("{" + Entry("b", "BF16", "[8]", 0, 16) + "}", UInt16s(bits))).Tensors["b"].ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void F64_rounds_to_float32_and_I64_narrows_to_int32()
    {
        byte[] f64 = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(f64, 0.1);
        BinaryPrimitives.WriteDoubleLittleEndian(f64.AsSpan(8), -1e300);
        var file = Load(File("{" + Entry("d", "F64", "[2]", 0, 16) + "," + Entry("i", "I64", "[3]", 16, 40) + "}",
            [.. f64, .. Int64s(-5, int.MaxValue, int.MinValue)]));
        Assert.Equal([0.1f, float.NegativeInfinity], file.Tensors["d"].ToArray());
        Assert.Equal(DType.Int32, file.Tensors["i"].DType);
        Assert.Equal([-5, int.MaxValue, int.MinValue], file.Tensors["i"].ToIntArray());
    }

    [Fact]
    public void A_large_F16_tensor_is_converted_across_buffer_chunks()
    {
        const int n = 700_000; // 1.4 MB of F16: more than one 1 MB chunk
        var bits = new ushort[n];
        for (int i = 0; i < n; i++) bits[i] = BitConverter.HalfToUInt16Bits((Half)(i % 2048));
        float[] values = Load(File("{" + Entry("h", "F16", $"[{n}]", 0, 2 * n) + "}", UInt16s(bits))).Tensors["h"].ToArray();
        for (int i = 0; i < n; i++) if (values[i] != i % 2048) Assert.Fail($"element {i}: {values[i]}");
    }
}
