using System.Text;
using CsCheck;
using Nabla.Text;

namespace Nabla.Tests.Text;

/// <summary>
/// The .model and tiktoken rank readers on random and mutated files: every outcome is a tokenizer that
/// round-trips text, or one line of error that names the file, never a hang, an abort or another exception;
/// and a file never makes its reader allocate more than a bound proportional to its size.
/// </summary>
public class ReaderPropertyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nabla-readers-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A reader may allocate this many bytes per file byte, on top of a fixed allowance (the 16 MiB of
    /// token bytes a small file may describe, and the tables of a vocabulary of up to 2^21 ids).</summary>
    private const long BytesPerFileByte = 200, FixedAllowance = 160L << 20;

    private static readonly string ValidModel = ModelText();

    private static string ModelText()
    {
        var trained = BpeTrainer.Train(string.Join("\n", StressCorpus.Pieces), 256 + 40, Patterns.Gpt2, ["<|endoftext|>", "<|pad|>"]);
        string directory = Directory.CreateTempSubdirectory("nabla-model-").FullName;
        try
        {
            trained.Save(Path.Combine(directory, "m"));
            return File.ReadAllText(Path.Combine(directory, "m.model"));
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    private static readonly string ValidRanks = string.Concat(
        Enumerable.Range(0, 256).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}\n")
                  .Concat(["YWI= 256\n", "YWJj 257\n", "IGE= 258\n", "IGFi 259\n"]));

    /// <summary>Numbers a mutation may put in place of another: edges of every range a reader checks.</summary>
    private static readonly string[] Numbers =
        ["0", "-1", "255", "256", "257", "2097151", "2097152", "16000000", "2147483645", "2147483647", "2147483648", "99999999999", "", "x", " 1"];

    /// <summary>A file made from <paramref name="valid"/> by a few random edits of lines, numbers and bytes.</summary>
    private static Gen<byte[]> Mutated(string valid) =>
        Gen.Int.Array[1, 6].Select(Gen.Int[0, int.MaxValue], (edits, seed) =>
        {
            var random = new Random(seed);
            var lines = valid.Split('\n').ToList();
            foreach (int edit in edits)
            {
                if (lines.Count == 0) lines.Add("");
                int at = random.Next(lines.Count);
                switch ((uint)edit % 9)
                {
                    case 0: lines.RemoveAt(at); break;
                    case 1: lines.Insert(at, lines[random.Next(lines.Count)]); break;
                    case 2: (lines[at], lines[^1]) = (lines[^1], lines[at]); break;
                    case 3:
                        string[] fields = lines[at].Split(' ');
                        fields[random.Next(fields.Length)] = Numbers[random.Next(Numbers.Length)];
                        lines[at] = string.Join(' ', fields);
                        break;
                    case 4: lines[at] = lines[at].Length > 0 ? lines[at][..random.Next(lines[at].Length)] : "\r"; break;
                    case 5: lines.Insert(at, new string((char)random.Next(0, 0x3000), random.Next(1, 4))); break;
                    case 6: lines.RemoveRange(at, lines.Count - at); break;
                    case 7: for (int i = 0; i < 50; i++) lines.Add($"{255 + lines.Count} {random.Next(0, 300)}"); break;
                    default: lines[at] = lines[at].Replace(' ', random.Next(2) == 0 ? '\t' : ' '); break;
                }
            }
            byte[] bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines));
            if ((uint)edits[0] % 5 == 0 && bytes.Length > 0) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            return bytes;
        });

    private static readonly Gen<byte[]> RandomBytes = Gen.Byte.Array[0, 300];

    private void AssertReadsOrNamesTheFile(byte[] content, Func<string, Tokenizer> read)
    {
        string path = Path.Combine(_directory, $"f{Environment.CurrentManagedThreadId}.model");
        File.WriteAllBytes(path, content);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Tokenizer tokenizer;
        try { tokenizer = read(path); }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            Assert.StartsWith(path, e.Message);
            Assert.DoesNotContain(e.Message, c => char.IsControl(c));
            return;
        }
        finally
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= FixedAllowance + BytesPerFileByte * content.Length,
                $"reading a file of {content.Length} bytes allocated {allocated:N0} bytes");
        }
        string text = tokenizer is CharTokenizer chars ? string.Concat(chars.CodePoints.Select(char.ConvertFromUtf32))
            : "Hello world's 12345 <|endoftext|> ab\n\n  x";
        try { Assert.Equal(text, tokenizer.Decode(tokenizer.EncodeOrdinary(text))); }
        catch (TimeoutException e) { Assert.Contains("split pattern", e.Message); }   // a mutated pattern may backtrack
    }

    [Fact]
    public void Model_reader_on_mutated_files() =>
        Mutated(ValidModel).Sample(bytes => AssertReadsOrNamesTheFile(bytes, BpeTokenizer.Load), iter: 400, threads: 1);

    [Fact]
    public void Model_reader_on_random_bytes_after_the_header() =>
        RandomBytes.Select(b => (byte[])[.. "nabla-bpe v1\n"u8, .. b])
            .Sample(bytes => AssertReadsOrNamesTheFile(bytes, BpeTokenizer.Load), iter: 300, threads: 1);

    [Fact]
    public void Rank_reader_on_mutated_files() =>
        Mutated(ValidRanks).Sample(bytes => AssertReadsOrNamesTheFile(bytes, path => TiktokenFile.Load(path, Patterns.Gpt2, null)), iter: 300, threads: 1);

    [Fact]
    public void Rank_reader_on_random_bytes() =>
        RandomBytes.Sample(bytes => AssertReadsOrNamesTheFile(bytes, path => TiktokenFile.Load(path, Patterns.Gpt2, null)), iter: 300, threads: 1);

    [Fact]
    public void Character_vocabulary_reader_on_mutated_files() =>
        Mutated("nabla-char v1\n000A\n0020\n0041\n00E9\n1D400\n").Sample(bytes => AssertReadsOrNamesTheFile(bytes, CharTokenizer.Load), iter: 300, threads: 1);

    [Theory]
    [InlineData("YWI= 2097152", "rank 2097152 is out of range (at most 2097151)")]
    [InlineData("YWI= 15999999", "rank 15999999 is out of range")]
    public void Rank_beyond_the_merge_table_names_the_file_and_line(string line, string expected)
    {
        string path = Path.Combine(_directory, "big.tiktoken");
        File.WriteAllText(path, ValidRanks + line + "\n");
        var error = Assert.Throws<FormatException>(() => TiktokenFile.Load(path, null, null));
        Assert.Contains($"{path}:261: {expected}", error.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2097152)]
    [InlineData(int.MaxValue)]
    public void Special_id_out_of_range_in_a_rank_file_names_the_file(int id)
    {
        string path = Path.Combine(_directory, "r.tiktoken");
        File.WriteAllText(path, ValidRanks);
        var error = Assert.Throws<FormatException>(() => TiktokenFile.Load(path, null, new Dictionary<string, int> { ["<|x|>"] = id }));
        Assert.Contains($"{path}: special token '<|x|>' has id {id}, outside [0, 2097151]", error.Message);
    }
}
