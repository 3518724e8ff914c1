// Runs texts through analyzer chains built with real Lucene (Debian's liblucene8-java), for
// tests/search/test_lucene_analysis.py. The chains come from the Elasticsearch index settings the code sends,
// translated one-to-one into Lucene's factory names by the test.
//
// Usage: java -cp <lucene jars>:<dir> AnalyzeWithLucene <config dir> <chains file> <texts file>
// chains file, tab-separated lines:  analyzer NAME | english NAME | charfilter SPI k=v... |
//                                   tokenizer SPI k=v... | filter SPI k=v...
// texts file: NAME<TAB>ID<TAB>TEXT per line. Output: ID<TAB>NAME<TAB>tokens separated by spaces.
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.custom.CustomAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

public class AnalyzeWithLucene {
    private static Map<String, String> params(String[] fields) {
        Map<String, String> params = new HashMap<>();
        for (int i = 2; i < fields.length; i++) {
            int eq = fields[i].indexOf('=');
            params.put(fields[i].substring(0, eq), fields[i].substring(eq + 1));
        }
        return params;
    }

    private static Map<String, Analyzer> chains(Path dir, Path file) throws IOException {
        Map<String, Analyzer> analyzers = new LinkedHashMap<>();
        String name = null;
        CustomAnalyzer.Builder builder = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isEmpty()) continue;
            String[] fields = line.split("\t", -1);
            switch (fields[0]) {
                case "english":
                    analyzers.put(fields[1], new EnglishAnalyzer());
                    break;
                case "analyzer":
                    if (builder != null) analyzers.put(name, builder.build());
                    name = fields[1];
                    builder = CustomAnalyzer.builder(dir);
                    break;
                case "charfilter":
                    builder.addCharFilter(fields[1], params(fields));
                    break;
                case "tokenizer":
                    builder.withTokenizer(fields[1], params(fields));
                    break;
                case "filter":
                    builder.addTokenFilter(fields[1], params(fields));
                    break;
                default:
                    throw new IllegalArgumentException("unknown line: " + line);
            }
        }
        if (builder != null) analyzers.put(name, builder.build());
        return analyzers;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Paths.get(args[0]);
        Map<String, Analyzer> analyzers = chains(dir, Paths.get(args[1]));
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
            if (line.isEmpty()) continue;
            String[] fields = line.split("\t", 3);
            Analyzer analyzer = analyzers.get(fields[0]);
            List<String> tokens = new ArrayList<>();
            try (TokenStream stream = analyzer.tokenStream("field", fields[2])) {
                CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
                stream.reset();
                while (stream.incrementToken()) tokens.add(term.toString());
                stream.end();
            }
            out.append(fields[1]).append('\t').append(fields[0]).append('\t').append(String.join(" ", tokens)).append('\n');
        }
        System.out.print(out);
    }
}
