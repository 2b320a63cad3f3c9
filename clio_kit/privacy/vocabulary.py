"""Word lists shared by the scrubber and the auditor: capitalised words that are *not* private.

Capitalised technical terms, products, large organisations, places, languages and calendar words are common in
conversations about AI use and identify nobody. The scrubber uses them to avoid flagging "Hi Python," or "Jordan
Peterson"-like false pairs; the auditor uses them to avoid counting "Python" or "Japan" as a proper noun.

>>> is_allowlisted("Python"), is_allowlisted("JavaScript"), is_allowlisted("Quackenbush")
(True, True, False)
"""

from __future__ import annotations

from functools import lru_cache

_TECH = """
python javascript typescript java kotlin scala swift rust go golang ruby perl php haskell elixir erlang clojure
julia lua dart matlab fortran cobol pascal delphi ada lisp scheme prolog bash zsh powershell sql nosql graphql html
css sass scss xml json yaml toml markdown latex tex c# f# objective-c assembly solidity verilog vhdl r
react angular vue svelte next nuxt node nodejs deno bun express django flask fastapi rails laravel spring boot
hibernate dotnet .net asp blazor unity unreal godot flutter electron tauri jquery bootstrap tailwind redux webpack
vite babel eslint prettier jest mocha jasmine karma cypress selenium playwright puppeteer pytest junit maven gradle
npm yarn pip conda poetry docker kubernetes helm terraform ansible jenkins gitlab github bitbucket git svn jira
confluence slack discord zoom teams trello notion figma photoshop illustrator premiere blender autocad solidworks
excel word powerpoint outlook onenote access sharepoint onedrive office vba power bi tableau looker sap salesforce
hubspot shopify wordpress wix squarespace magento woocommerce stripe paypal twilio firebase supabase heroku vercel
netlify aws amazon azure gcp google cloud lambda s3 ec2 dynamodb bigquery snowflake databricks redshift postgres
postgresql mysql mariadb sqlite oracle mongodb redis cassandra elasticsearch kafka rabbitmq spark hadoop hive airflow
dbt pandas numpy scipy matplotlib seaborn plotly bokeh jupyter jupyterlab colab anaconda keras tensorflow pytorch
torch sklearn scikit-learn xgboost lightgbm catboost opencv nltk spacy huggingface transformers langchain llamaindex
openai anthropic chatgpt gpt gpt-3 gpt-4 gpt-4o claude bard gemini copilot llama mistral midjourney dall-e stable
diffusion whisper bert siri alexa cortana bixby windows linux ubuntu debian fedora centos arch kali mint macos
ios android ipados unix freebsd chrome chromium firefox safari edge opera vscode vs code visual studio intellij
pycharm eclipse xcode vim emacs neovim sublime atom nginx apache tomcat iis cloudflare akamai linkedin facebook
meta instagram whatsapp telegram signal wechat weibo tiktok youtube twitter x reddit pinterest snapchat quora
wikipedia netflix spotify uber airbnb tesla apple microsoft ibm intel amd nvidia qualcomm samsung sony huawei
xiaomi lenovo dell hp asus acer oppo baidu alibaba tencent bytedance yandex nasa unicef unesco who un eu nato
iphone ipad macbook imac airpods pixel galaxy kindle playstation xbox nintendo steam minecraft roblox fortnite
cuda opengl vulkan directx webgl wasm webassembly api rest soap http https tcp udp ssh ssl tls dns oauth jwt
saml ldap smtp imap ftp websocket grpc ajax dom cli gui ide sdk ui ux seo crm erp pdf csv svg png jpeg gif mp3 mp4
bitcoin ethereum blockchain nft web3 covid covid-19 gmail hotmail yahoo bing duckduckgo js ts py jsx tsx ipynb io
"""

_PLACES = """
africa asia europe america americas antarctica oceania australia arctic atlantic pacific mediterranean caribbean
afghanistan albania algeria argentina armenia austria azerbaijan bangladesh belarus belgium bolivia bosnia brazil
bulgaria cambodia cameroon canada chile china colombia congo croatia cuba cyprus czechia czech denmark ecuador
egypt estonia ethiopia finland france georgia germany ghana greece guatemala haiti honduras hungary iceland india
indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya korea kuwait laos latvia lebanon
libya lithuania luxembourg madagascar malaysia mali malta mexico moldova mongolia montenegro morocco mozambique
myanmar nepal netherlands holland zealand nicaragua niger nigeria norway pakistan palestine panama paraguay peru
philippines poland portugal qatar romania russia rwanda saudi arabia senegal serbia singapore slovakia slovenia
somalia spain sudan sweden switzerland syria taiwan tanzania thailand tunisia turkey uganda ukraine emirates
uk usa us britain england scotland wales uruguay uzbekistan venezuela vietnam yemen zambia zimbabwe
alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho illinois indiana
iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri montana
nebraska nevada hampshire jersey mexico york carolina dakota ohio oklahoma oregon pennsylvania rhode island
tennessee texas utah vermont virginia washington wisconsin wyoming
london paris berlin madrid barcelona rome milan vienna amsterdam brussels lisbon dublin zurich geneva munich
hamburg frankfurt prague warsaw budapest athens istanbul moscow kyiv kiev stockholm oslo copenhagen helsinki
tokyo osaka kyoto seoul beijing shanghai shenzhen guangzhou hong kong taipei singapore bangkok jakarta manila
delhi mumbai bangalore bengaluru chennai kolkata karachi lahore dhaka dubai cairo lagos nairobi johannesburg
sydney melbourne toronto vancouver montreal chicago boston seattle francisco los angeles san diego houston dallas
austin miami atlanta denver phoenix philadelphia detroit vegas silicon valley brooklyn manhattan new city north
south east west central united states kingdom republic
"""

_LANGUAGES = """
english spanish french german italian portuguese dutch russian ukrainian polish czech slovak hungarian romanian
bulgarian greek turkish arabic hebrew persian farsi urdu hindi bengali punjabi tamil telugu marathi gujarati
kannada malayalam thai vietnamese indonesian malay tagalog filipino chinese mandarin cantonese japanese korean
swedish norwegian danish finnish icelandic estonian latvian lithuanian serbian croatian bosnian slovenian albanian
armenian georgian swahili amharic yoruba hausa zulu afrikaans catalan basque galician latin esperanto
european american asian african western eastern christian muslim islamic jewish buddhist hindu catholic
alemannic aragonese assamese asturian avaric azerbaijani balkar bashkir bavarian belarusian bihari bikol bishnupriya
breton burmese buryat cebuano chavacano chechen chuvash cornish corsican creole divehi doteli egyptian emilian erzya
fiji flemish frisian gaelic goan guarani haitian ido iloko interlingua interlingue irish javanese kalmyk karachay
kazakh khmer komi konkani kurdish kyrgyz lao lezghian limburgish lojban lombard low lower luri luxembourgish
macedonian maithili malagasy maltese manx mari mazanderani minangkabau mingrelian mirandese mongolian nahuatl
neapolitan nepali newari northern southern nynorsk occitan odia ossetian palatine pampanga pashto piedmontese quechua
romagnol romansh rusyn sakha sanskrit sardinian scots scottish serbo sicilian sindhi sinhala somali sorbian sundanese
tajik tatar tibetan turkmen tuvan upper uyghur uzbek venetian veps volapük walloon waray welsh yiddish zazaki
"""

_CALENDAR = """
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december christmas easter ramadan halloween thanksgiving
"""

_GENERIC = """
i ok okay hi hello dear team all everyone everybody there world sir madam mr mrs ms dr user users customer
customers client clients friend friends colleague colleagues folks guys hiring manager recruiter reader readers
sir/madam whom concern members member staff students parents family student teacher professor doctor assistant
bot ai llm god lord jesus allah santa diary mom dad mum mother father sister brother grandma grandpa
thanks thank regards best cheers sincerely yours
"""


@lru_cache(maxsize=1)
def builtin_allowlist() -> frozenset[str]:
    """Lower-case capitalised-but-not-private words (tech, products, organisations, places, languages, calendar).

    >>> "japan" in builtin_allowlist()
    True
    """
    words: set[str] = set()
    for block in (_TECH, _PLACES, _LANGUAGES, _CALENDAR, _GENERIC):
        words.update(block.split())
    return frozenset(words)


@lru_cache(maxsize=1)
def greeting_stopwords() -> frozenset[str]:
    """Words that follow "Dear"/"Hi"/"Thanks," without being a person: "Dear team", "Hi there", "Hello World".

    >>> "team" in greeting_stopwords()
    True
    """
    extra = ("again", "all", "anyone", "ai", "chatbot", "gpt", "guys", "professor", "sensei", "everybody", "y'all",
             "ya", "you")
    return frozenset(_GENERIC.split()) | frozenset(_CALENDAR.split()) | frozenset(extra)


def is_allowlisted(word: str, extra: frozenset[str] | set[str] = frozenset()) -> bool:
    """True when ``word`` (any case) is a known non-private capitalised term or in ``extra`` (lower-case).

    >>> is_allowlisted("Excel"), is_allowlisted("Zelda")
    (True, False)
    """
    lowered = word.lower()
    return lowered in builtin_allowlist() or lowered in extra
