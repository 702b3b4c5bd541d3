using System.Runtime.CompilerServices;
using System.Text;
using MlTokenizer = Microsoft.ML.Tokenizers.Tokenizer;
using TiktokenTokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer;
using Nabla.Data;
using Nabla.Text;

namespace Nabla.Benchmarks;

/// <summary>
/// Encode throughput, one thread, warm: Nabla's gpt2 / cl100k_base / o200k_base beside Microsoft.ML.Tokenizers
/// and SharpToken, on tinyshakespeare and on a multilingual text. Also checks that all three agree on the ids.
/// </summary>
public static class TokenizerEncodeSuite
{
    public static int Run(string[] args)
    {
        string shakespeare = File.ReadAllText(Datasets.Resolve("tinyshakespeare.txt"));
        var texts = new (string Name, string Text)[] { ("tinyshakespeare", shakespeare), ("multilingual", Multilingual(1 << 20)) };
        var encodings = new (string Nabla, string Ml, string Sharp)[]
        {
            ("gpt2", "gpt2", "r50k_base"), ("cl100k_base", "gpt-4", "cl100k_base"), ("o200k_base", "gpt-4o", "o200k_base"),
        };

        bool withMl = !Peers.MlTokenizersMissing();   // without it, Nabla beside SharpToken alone
        Console.WriteLine("Encode throughput, MB/s of UTF-8 input, one thread (median of 11 interleaved rounds, after warm-up)");
        Console.WriteLine();
        Console.WriteLine($"| {"encoding",-12} | {"text",-15} | {"Nabla",7} | {"ML.Tokenizers",13} | {"SharpToken",10} | {"Nabla / best peer",17} |");
        Console.WriteLine($"|{new string('-', 14)}|{new string('-', 17)}|{new string('-', 9)}|{new string('-', 15)}|{new string('-', 12)}|{new string('-', 19)}|");
        foreach (var (nablaName, mlName, sharpName) in encodings)
        {
            BpeTokenizer nabla = Encodings.ByName(nablaName);
            Func<string, IReadOnlyList<int>>? ml = withMl ? MlEncoder(mlName) : null;
            var sharp = SharpToken.GptEncoding.GetEncoding(sharpName);
            foreach (var (textName, text) in texts)
            {
                double megabytes = Encoding.UTF8.GetByteCount(text) / 1e6;
                var ids = new List<int>(text.Length);
                int[] ours = nabla.EncodeOrdinary(text);
                int[] theirs = ml is null ? ours : ml(text).ToArray();
                // ML.Tokenizers reads UTF-16 units, so it splits letters and digits outside the BMP (𝐀, 𝟎) differently.
                string agree = ours.AsSpan().SequenceEqual(theirs) ? "" : "  (ids differ from ML.Tokenizers: letters outside the BMP)";

                var (tNabla, tMl, tSharp) = Interleaved(
                    () => { ids.Clear(); nabla.EncodeOrdinary(text, ids); }, () => ml?.Invoke(text), () => sharp.Encode(text));
                double nablaRate = megabytes / tNabla, mlRate = ml is null ? 0 : megabytes / tMl, sharpRate = megabytes / tSharp;
                Console.WriteLine($"| {nablaName,-12} | {textName,-15} | {nablaRate,7:F1} | {mlRate,13:F1} | {sharpRate,10:F1} | {nablaRate / Math.Max(mlRate, sharpRate),16:F2}x |{agree}");
                BenchReport.Add(BenchRow.Rate($"tokenizer {nablaName} {textName}", nablaRate, mlRate > sharpRate ? "ML.Tokenizers" : "SharpToken",
                    Math.Max(mlRate, sharpRate), "MB/s", goal: 1.5));
            }
        }
        return 0;
    }

    /// <summary>Microsoft.ML.Tokenizers' encoder for <paramref name="model"/>; its own method, so that a missing
    /// package fails here, after <see cref="Peers"/> has said so, and not when the suite is compiled.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Func<string, IReadOnlyList<int>> MlEncoder(string model)
    {
        MlTokenizer tokenizer = TiktokenTokenizer.CreateForModel(model);
        return text => tokenizer.EncodeToIds(text);
    }

    /// <summary>Median seconds of each of three actions, timed in interleaved rounds (A, B, C, A, B, C, ...) so that a
    /// noisy neighbour slows all three alike; each is first warmed up until the JIT has settled.</summary>
    private static (double, double, double) Interleaved(Action a, Action b, Action c, int rounds = 11)
    {
        foreach (var action in new[] { a, b, c })
        {
            var warm = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 5 || warm.Elapsed.TotalSeconds < 1.0; i++) action();
        }
        var times = new List<double>[] { [], [], [] };
        for (int round = 0; round < rounds; round++)
        {
            int k = 0;
            foreach (var action in new[] { a, b, c })
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                action();
                times[k++].Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }
        foreach (var t in times) t.Sort();
        return (times[0][rounds / 2], times[1][rounds / 2], times[2][rounds / 2]);
    }

    /// <summary>About <paramref name="length"/> characters of many scripts (fixed text, repeated with varying numbers).</summary>
    internal static string Multilingual(int length)
    {
        string[] lines =
        [
            "The quick brown fox jumps over the lazy dog; it's 3:45 pm and we'll leave soon.",
            "Съешь же ещё этих мягких французских булок, да выпей чаю.",
            "Τάχιστη αλώπηξ βαφής ψημένη γη, δρασκελίζει υπέρ νωθρού κυνός.",
            "わかよたれそつねならむ、うゐのおくやまけふこえて。東京都の人口は約1400万人です。",
            "我能吞下玻璃而不伤身体。今天天气很好，我们去公园散步吧！",
            "다람쥐 헌 쳇바퀴에 타고파. 서울특별시의 인구는 약 천만 명입니다.",
            "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق.",
            "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम।",
            "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน",
            "Emoji: 👍🏽 👩‍👩‍👧‍👦 🎉 and math 𝐀𝐁𝐂 𝟎𝟏𝟐; code: for (i = 0; i < n; i++) { s += a[i]; }",
        ];
        var sb = new StringBuilder(length + 200);
        for (int i = 0; sb.Length < length; i++) sb.Append(lines[i % lines.Length]).Append(' ').Append(i).Append('\n');
        return sb.ToString();
    }
}
