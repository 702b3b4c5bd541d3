using System.Buffers.Binary;
using System.Text;
using CsCheck;
using Nabla.IO;
using Nabla.Tensors;
using static Nabla.Tests.IO.SafetensorsBytes;

namespace Nabla.Tests.IO;

/// <summary>
/// Random and mutated files: whatever the bytes, loading either gives tensors that agree with their shapes or
/// throws the one <see cref="InvalidDataException"/> naming the file, never another exception, and never allocates
/// more than a bound set by the file's length (files here are at most a few kilobytes).
/// </summary>
public class SafetensorsFuzzTests
{
    /// <summary>Valid files to mutate: every dtype Nabla reads, empty and rank-0 tensors, metadata.</summary>
    private static readonly byte[][] Seeds =
    [
        File("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," +
             "\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[24,28]}}    ", [.. Floats(1, 2, 3, 4, 5, 6), .. Floats(7)]),
        File("{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},\"g\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[8,16]}," +
             "\"e\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[16,16]},\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]}," +
             "\"d\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[24,32]}}", [.. UInt16s(0x3C00, 0x7C00, 1, 0x8000, 0x3F80, 0x7FC0, 1, 0), .. Int64s(-3), .. Int64s(0x3FF0000000000000)]),
        File("{}", []),
    ];

    // Numbers and characters that push a parser to its edges.
    private static readonly string[] Numbers = ["-1", "0", "1", "4", "24", "2147483647", "2147483648", "4294967296", "9223372036854775807", "18446744073709551616", "1.5", "1e3", "-0"];
    private static readonly string[] Pieces = ["{", "}", "[", "]", "\"", ",", ":", "null", "\"F32\"", "\"__metadata__\"", "\\u0000", "\\ud800", " ", ""];

    private static Gen<byte[]> Mutated =>
        Gen.Int[0, Seeds.Length - 1].SelectMany(seed => Gen.OneOf(
            FlipBytes(Seeds[seed]), Truncate(Seeds[seed]), Append(Seeds[seed]), NewHeaderLength(Seeds[seed]), EditHeader(Seeds[seed])));

    private static Gen<byte[]> FlipBytes(byte[] file) =>
        Gen.Select(Gen.Int[0, file.Length - 1].Array[1, 4], Gen.Byte.Array[4], (at, values) =>
        {
            var copy = (byte[])file.Clone();
            for (int k = 0; k < at.Length; k++) copy[at[k]] = values[k];
            return copy;
        });

    private static Gen<byte[]> Truncate(byte[] file) => Gen.Int[0, file.Length - 1].Select(n => file[..n]);

    private static Gen<byte[]> Append(byte[] file) => Gen.Byte.Array[1, 16].Select(extra => (byte[])[.. file, .. extra]);

    private static Gen<byte[]> NewHeaderLength(byte[] file) =>
        Gen.OneOf(Gen.ULong, Gen.ULong[0, (ulong)file.Length + 8]).Select(length =>
        {
            var copy = (byte[])file.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(copy, length);
            return copy;
        });

    /// <summary>Edits the JSON text (a number, or a piece of syntax, replaces a stretch of it) and rewrites the
    /// header length to match, so the edit reaches the header checks rather than the length check.</summary>
    private static Gen<byte[]> EditHeader(byte[] file)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string json = Encoding.UTF8.GetString(file, 8, length);
        byte[] data = file[(8 + length)..];
        return Gen.Select(Gen.Int[0, json.Length], Gen.Int[0, 4], Gen.OneOf(Pick(Numbers), Pick(Pieces)), (at, span, replacement) =>
        {
            int end = Math.Min(json.Length, at + span);
            return File(json[..at] + replacement + json[end..], data);
        });
    }

    private static Gen<string> Pick(string[] choices) => Gen.Int[0, choices.Length - 1].Select(i => choices[i]);

    private static Gen<byte[]> RandomFiles =>
        Gen.OneOf(
            Gen.Byte.Array[0, 64],
            // a plausible header length followed by random bytes, sometimes starting with '{'
            Gen.Select(Gen.Int[0, 200], Gen.Byte.Array[0, 300], Gen.Bool, (n, rest, brace) =>
            {
                var bytes = new byte[8 + rest.Length];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)n);
                rest.CopyTo(bytes, 8);
                if (brace && rest.Length > 0) bytes[8] = (byte)'{';
                return bytes;
            }));

    [Fact]
    public void Every_mutated_file_loads_consistently_or_is_refused_naming_the_file() =>
        Mutated.Sample(LoadsOrIsRefused, iter: 20_000);

    [Fact]
    public void Every_random_file_loads_consistently_or_is_refused_naming_the_file() =>
        RandomFiles.Sample(LoadsOrIsRefused, iter: 20_000);

    [Fact]
    public void The_seeds_themselves_load()
    {
        foreach (byte[] seed in Seeds) Load(seed);
        Assert.Equal([1f, float.PositiveInfinity, MathF.Pow(2, -24), -0f], Load(Seeds[1]).Tensors["h"].ToArray());
    }

    private const long AllocationBound = 2 << 20;

    private static void LoadsOrIsRefused(byte[] bytes)
    {
        SafetensorsFile file;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            file = Load(bytes);
        }
        catch (InvalidDataException e)
        {
            Assert.StartsWith(Source + ": not a valid safetensors file: ", e.Message);
            return;
        }
        finally
        {
            // Sizes declared in the file (a header length of 2^64 - 1, a shape of 2^31 elements) must never turn
            // into allocations: what the reader takes is bounded by the bytes it was given, plus its 1 MiB buffer.
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Assert.True(allocated <= AllocationBound + 64L * bytes.Length, $"{allocated} bytes allocated to read a file of {bytes.Length}");
        }
        long dataBytes = 0;
        foreach (var (_, tensor) in file.Tensors)
        {
            long count = 1;
            foreach (int size in tensor.Shape) count *= size;
            Assert.Equal(count, tensor.Count);
            Assert.Equal(count, tensor.DType == DType.Float32 ? tensor.ToArray().Length : tensor.ToIntArray().Length);
            dataBytes += count;
        }
        Assert.True(dataBytes <= bytes.Length, "more elements than bytes in the file");
    }
}
