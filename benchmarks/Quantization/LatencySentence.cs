/// <summary>
/// The sentence timed at batch 1. Latency ratios at batch 1 depend on the sequence length (the shorter the sentence, the
/// more the weight bytes dominate and the more int4 gains), so the default is the dev sentence of median word count
/// (SST-2 dev: 19 words, the first such sentence in file order); <c>--b1=first</c> times the first dev
/// sentence as the runs before 2026-12-08 did ("one long string of cliches .", 5 words).
/// </summary>
internal static class LatencySentence
{
    public static string Pick(IReadOnlyList<(int Label, string Text)> dev, string[] args)
    {
        if (args.Contains("--b1=first"))
        {
            return dev[0].Text;
        }

        int[] words = dev.Select(d => Words(d.Text)).ToArray();
        int median = words.Order().ElementAt(words.Length / 2);
        return dev[Array.IndexOf(words, median)].Text;
    }

    public static int Words(string sentence) => sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
}
